"""What the console's intake form reads: the SLA policy, and a ticket's deadlines before it is
reported."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from dispatcher.auth.models import Role
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.builders import tech, ticket_json

API = "/api/v1"


def test_the_policy_names_levels_rules_and_category_defaults(client: TestClient,
                                                            app_engine: Engine) -> None:
    policy = client.get(f"{API}/sla/policy").json()
    assert policy["urgencies"]["emergency"]["arrive_min"] == 30
    assert {"urgency": "emergency", "category": "fire", "arrive_min": 10}.items() <= next(
        r for r in policy["rules"] if r["category"] == "fire").items()
    assert policy["categories"]["water"] == {"skill": "plumber", "service_min": 60}
    as_tech = bearer(app_engine, "li", Role.technician, app_engine.create_technician(tech()).id)
    assert client.get(f"{API}/sla/policy", headers=as_tech).status_code == 403


def test_a_preview_gives_the_deadlines_and_stores_nothing(client: TestClient,
                                                          app_engine: Engine) -> None:
    body = ticket_json(urgency="emergency", category="electric")
    preview = client.post(f"{API}/tickets/preview", json=body).json()
    now = app_engine.clock.now()
    assert preview["skill"] == "electrician" and preview["service_minutes"] == 45
    assert datetime.fromisoformat(preview["arrive_by"]) == now + timedelta(minutes=30)
    assert client.get(f"{API}/tickets").json() == []
    bad = client.post(f"{API}/tickets/preview", json={**body, "lat": 200})
    assert bad.status_code == 422
