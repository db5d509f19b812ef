"""`Idempotency-Key`: a replay answers as the first time and stores nothing twice, on SQLite
and PostgreSQL, across a restart, and when two requests with one key race."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import idempotency as idempotency_api
from api.app import create_app
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from dispatcher.idempotency.models import IdempotencyKey
from tests.accounts import bearer
from tests.builders import north, tech_json, ticket_json

API = "/api/v1"


@contextmanager
def serving(database_url: str, clock: ManualClock) -> Iterator[TestClient]:
    """An app on `database_url`; leaving the block shuts it down like a process exit."""
    settings = Settings(database_url=database_url, solve_budget_ms=200, debounce_ms=0)
    engine = Engine(settings, clock=clock)
    try:
        with TestClient(create_app(engine=engine)) as client:
            client.headers.update(bearer(engine))
            yield client
    finally:
        engine.sessions.kw["bind"].dispose()


@pytest.fixture
def client(database_url: str, clock: ManualClock) -> Iterator[TestClient]:
    with serving(database_url, clock) as c:
        yield c


def keyed(client: TestClient, path: str, body: Any, key: str) -> Any:
    return client.post(API + path, json=body, headers={"Idempotency-Key": key})


def count(client: TestClient, event_type: str) -> int:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.type == event_type))


def test_replayed_position_update_answers_the_same_and_stores_one_event(
        client: TestClient) -> None:
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    lat, lon = north(1)
    first = keyed(client, f"/technicians/{li['id']}/position", {"lat": lat, "lon": lon}, "k-1")
    again = keyed(client, f"/technicians/{li['id']}/position", {"lon": lon, "lat": lat}, "k-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count(client, "technician.position") == 1  # keyed: stored before the answer


def test_replayed_status_change_is_applied_once(client: TestClient) -> None:
    client.post(f"{API}/technicians", json=tech_json())
    t = client.post(f"{API}/tickets", json=ticket_json()).json()
    client.post(f"{API}/plan/replan")
    answers = [keyed(client, f"/tickets/{t['id']}/status", {"status": "accepted"}, "s-1")
               for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["status"] == "accepted"
    assert count(client, "ticket.accepted") == 1
    # A new key is a new request: now the transition is refused, and that stores no key.
    refused = keyed(client, f"/tickets/{t['id']}/status", {"status": "accepted"}, "s-2")
    assert refused.status_code == 409
    with client.app.state.engine.sessions() as s:  # type: ignore[attr-defined]
        assert s.get(IdempotencyKey, "s-2") is None


def test_replayed_ticket_creation_creates_one_ticket(client: TestClient) -> None:
    first = keyed(client, "/tickets", ticket_json(), "t-1")
    again = keyed(client, "/tickets", ticket_json(), "t-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert len(client.get(f"{API}/tickets").json()) == 1


@pytest.mark.parametrize("path, body, why", [
    ("/tickets", ticket_json(lat=31.3), "different body"),
    ("/technicians", tech_json(), "was first used for POST /api/v1/tickets"),
])
def test_same_key_on_another_request_is_422_naming_the_header(
        client: TestClient, path: str, body: dict[str, Any], why: str) -> None:
    assert keyed(client, "/tickets", ticket_json(), "x-1").status_code == 201
    response = keyed(client, path, body, "x-1")
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key" and why in response.json()["detail"]
    assert len(client.get(f"{API}/tickets").json()) == 1
    assert client.get(f"{API}/technicians").json() == []


def test_a_key_that_is_too_long_is_422(client: TestClient) -> None:
    response = keyed(client, "/tickets", ticket_json(), "k" * 256)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
    assert client.get(f"{API}/tickets").json() == []


def test_keys_are_kept_for_their_ttl_then_forgotten(client: TestClient,
                                                    clock: ManualClock) -> None:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    ttl = timedelta(hours=engine.settings.idempotency_ttl_hours)
    first = keyed(client, "/tickets", ticket_json(), "old-1")
    clock.advance(ttl - timedelta(minutes=1))
    engine.tick()  # within the TTL: still a replay
    client.headers.update(bearer(engine))  # a new login: the first token has expired
    assert keyed(client, "/tickets", ticket_json(), "old-1").json() == first.json()
    fresh = keyed(client, "/tickets", ticket_json(), "new-1")
    clock.advance(timedelta(minutes=2))
    engine.tick()  # the first key is past its TTL, the second is not
    client.headers.update(bearer(engine))
    with engine.sessions() as s:
        assert set(s.scalars(select(IdempotencyKey.key))) == {"new-1"}
    assert keyed(client, "/tickets", ticket_json(), "new-1").json() == fresh.json()
    again = keyed(client, "/tickets", ticket_json(), "old-1")  # judged anew
    assert again.status_code == 201 and again.json()["id"] not in (first.json()["id"],
                                                                    fresh.json()["id"])
    assert len(client.get(f"{API}/tickets").json()) == 3


def test_key_survives_a_restart(database_url: str, clock: ManualClock) -> None:
    with serving(database_url, clock) as c:
        first = keyed(c, "/tickets", ticket_json(), "r-1")
    with serving(database_url, clock) as c:
        again = keyed(c, "/tickets", ticket_json(), "r-1")
        assert again.status_code == 201 and again.json() == first.json()
        assert len(c.get(f"{API}/tickets").json()) == 1


def test_concurrent_requests_with_one_key_apply_once(client: TestClient) -> None:
    """Eight racing copies: one applies; the others get its answer or a 409 'in progress'."""
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    lat, lon = north(2)
    path = f"/technicians/{li['id']}/position"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: keyed(client, path, {"lat": lat, "lon": lon}, "c-1"),
                                range(8)))
    ok = [a for a in answers if a.status_code == 202]
    assert ok and all(a.json() == ok[0].json() for a in ok)
    assert all(a.status_code == 409 and "Idempotency-Key" in a.text
               for a in answers if a.status_code != 202)
    assert count(client, "technician.position") == 1


def test_losing_a_race_after_the_lookup_answers_with_the_winner(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin found no key, applied, then hit the winner's row on commit: its change rolls
    back and it answers with the winner's response."""
    first = keyed(client, "/tickets", ticket_json(), "w-1")
    real = idempotency_api._lookup
    misses = iter([None])
    monkeypatch.setattr(idempotency_api, "_lookup",
                        lambda sessions, key: next(misses, None) or real(sessions, key))
    twin = keyed(client, "/tickets", ticket_json(), "w-1")
    assert twin.status_code == 201 and twin.json() == first.json()
    assert len(client.get(f"{API}/tickets").json()) == 1
