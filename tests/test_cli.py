"""The `dispatch` command as a user runs it: a real process, a real port, real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@contextmanager
def dispatch(*args: str, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """Run `dispatch ARGS --port P` until /healthz answers; yield the base URL; stop it."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args, "--port", str(port)],
                            env={**os.environ, **env}, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                get(base + "/healthz")
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read()) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_starts_on_an_empty_database(tmp_path: Path) -> None:
    env = {"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with dispatch("serve", env=env, cwd=tmp_path) as base:
        assert get(base + "/api/v1/tickets") == []
        assert get(base + "/api/v1/technicians") == []
    assert (tmp_path / "serve.db").exists()


def test_demo_runs_a_live_compound(tmp_path: Path) -> None:
    """Eight technicians, tickets arriving, plans computed, technicians moving and finishing."""
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "DISPATCH_SOLVE_BUDGET_MS": "300"}
    with dispatch("demo", "--speed", "120", "--db", str(tmp_path / "demo.db"),
                  env=env, cwd=tmp_path) as base:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            tickets = get(base + "/api/v1/tickets")
            if any(t["status"] == "completed" for t in tickets):
                break
            time.sleep(0.5)
        techs = get(base + "/api/v1/technicians")
        plan = get(base + "/api/v1/plan")
    assert len(techs) == 8
    assert {t["urgency"] for t in tickets} >= {"routine"}
    assert plan["version"] >= 2 and plan["routes"]
    assert any(t["status"] == "completed" for t in tickets)
    assert any(t["position_at"] for t in techs)


def test_bad_configuration_is_a_message_not_a_traceback(capsys, monkeypatch) -> None:
    monkeypatch.setenv("DISPATCH_SPEED_KMH", "-3")
    assert main(["serve", "--port", "1"]) == 2
    assert "speed_kmh" in capsys.readouterr().err
    monkeypatch.delenv("DISPATCH_SPEED_KMH")
    assert main(["demo", "--speed", "0", "--db", "/tmp/never.db"]) == 2
    assert "--speed must be positive" in capsys.readouterr().err
