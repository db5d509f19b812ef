"""The audit trail through HTTP: who, when, what before and after, from where; admins only;
nothing in it can be changed (issue 18)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from dispatcher.auth.models import Role
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.builders import ticket_json

API = "/api/v1"


def trail(client: TestClient, admin: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    answer = client.get(f"{API}/audit", params=filters, headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_ticket_created_and_cancelled_is_kept_with_before_and_after(
        client: TestClient, app_engine: Engine) -> None:
    admin = bearer(app_engine, "root", Role.admin)
    ticket = client.post(f"{API}/tickets", json=ticket_json(unit="1202")).json()
    assert client.post(f"{API}/tickets/{ticket['id']}/cancel").status_code == 200
    entries = trail(client, admin, subject=f"ticket:{ticket['id']}")
    cancel, create = entries  # newest first
    assert create["action"] == "POST /api/v1/tickets" and create["before"] is None
    assert create["request"]["unit"] == "1202" and create["after"]["status"] == "new"
    assert cancel["action"] == f"POST /api/v1/tickets/{ticket['id']}/cancel"
    assert cancel["before"]["status"] == "new" and cancel["after"]["status"] == "cancelled"
    for entry in entries:
        assert entry["actor"] == "dispatcher" and entry["role"] == "dispatcher"
        assert entry["address"] == "testclient" and entry["at"]


def test_an_account_disabled_is_kept_and_filters_narrow(client: TestClient,
                                                        app_engine: Engine) -> None:
    admin = bearer(app_engine, "root", Role.admin)
    made = client.post(f"{API}/users", json={"username": "amy", "password": "secret-pw",
                                              "role": "dispatcher"}, headers=admin).json()
    client.patch(f"{API}/users/{made['id']}", json={"active": False}, headers=admin)
    disabled = trail(client, admin, action="PATCH", subject="user")
    assert len(disabled) == 1 and disabled[0]["actor"] == "root"
    assert disabled[0]["before"]["active"] is True and disabled[0]["after"]["active"] is False
    created = trail(client, admin, action="POST", subject="user")[0]
    assert created["request"]["password"] == "(redacted)" and "secret-pw" not in str(created)
    assert [e["subject"] for e in trail(client, admin, actor="root")] == [
        f"user:{made['id']}", f"user:{made['id']}"]
    assert trail(client, admin, actor="nobody") == []


def test_refused_changes_reads_and_gps_are_not_recorded(client: TestClient,
                                                        app_engine: Engine) -> None:
    admin = bearer(app_engine, "root", Role.admin)
    assert client.post(f"{API}/tickets/999/cancel").status_code == 404
    client.get(f"{API}/tickets")
    assert trail(client, admin) == []


def test_only_admins_read_it_and_nobody_edits_it(client: TestClient,
                                                 app_engine: Engine) -> None:
    admin = bearer(app_engine, "root", Role.admin)
    client.post(f"{API}/tickets", json=ticket_json())
    assert client.get(f"{API}/audit").status_code == 403  # a dispatcher
    entry = trail(client, admin)[0]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, f"{API}/audit", headers=admin).status_code == 405
        assert client.request(method, f"{API}/audit/{entry['id']}",
                              headers=admin).status_code in (404, 405)
