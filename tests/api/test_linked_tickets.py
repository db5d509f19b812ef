"""Linked visits over HTTP: a second visit names the ticket it follows; a link to nothing is
refused naming the field; the repair an inspection raises waits for the inspection."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from dispatcher.engine import Engine
from tests.builders import tech_json, ticket_json

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_second_visit_follows_the_first_and_says_why_it_waits(
        client: TestClient, app_engine: Engine) -> None:
    ok(client.post(f"{API}/technicians", json=tech_json()), 201)
    first = ok(client.post(f"{API}/tickets", json=ticket_json()), 201)
    follows = {"ticket_id": first["id"], "delay_minutes": 90, "same_technician": True}
    second = ok(client.post(f"{API}/tickets", json=ticket_json(follows=follows)), 201)
    assert second["follows"] == follows
    app_engine.replan_now()
    read = ok(client.get(f"{API}/tickets/{second['id']}",
                         headers={"Accept-Language": "zh-CN"}))
    assert read["assignment"]["technician_id"] is None
    assert read["assignment"]["unassigned_reason"] == f"等待工单 {first['id']} 完工后再排"


def test_a_link_to_nothing_is_a_422_naming_the_field(client: TestClient) -> None:
    r = client.post(f"{API}/tickets", json=ticket_json(follows={"ticket_id": 424242}))
    assert r.status_code == 422 and r.json()["field"] == "follows.ticket_id", r.text
    r = client.post(f"{API}/tickets", json=ticket_json(follows={"ticket_id": 1,
                                                                "delay_minutes": -5}))
    assert r.status_code == 422 and "delay_minutes" in r.text, r.text
