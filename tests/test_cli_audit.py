"""`dispatch audit`: the trail on the command line, filtered, as text or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from dispatcher.auth.models import Role
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.builders import ticket_json


def test_dispatch_audit_prints_the_changes(tmp_path: Path, capsys, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("DISPATCH_DATABASE_URL", url)
    engine = Engine(Settings(database_url=url))
    try:
        with TestClient(create_app(engine=engine)) as client:
            client.headers.update(bearer(engine, "amy", Role.dispatcher))
            ticket = client.post("/api/v1/tickets", json=ticket_json()).json()
            client.post(f"/api/v1/tickets/{ticket['id']}/cancel")
    finally:
        engine.stop()
    assert main(["audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "amy (dispatcher, testclient)" in lines[0]
    assert lines[0].endswith(f"/cancel\tticket:{ticket['id']}")
    assert main(["audit", "--action", "cancel", "--json"]) == 0
    (entry,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entry["before"]["status"] == "new" and entry["after"]["status"] == "cancelled"
    assert main(["audit", "--actor", "nobody"]) == 0 and capsys.readouterr().out == ""
