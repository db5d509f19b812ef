"""POST /technicians/{id}/position, the hot path: who may post, what the answer says, the live
position before the batch is written, no query for a known caller, nothing lost at shutdown."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from api.app import create_app
from api.gps_lane import GpsLane
from dispatcher.auth.cache import PrincipalCache
from dispatcher.auth.models import Role, User
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from tests.accounts import bearer
from tests.builders import north, tech_json

API = "/api/v1"
BACKGROUND = {"replanner", "ticker", "gps-writer", "outbox"}  # the engine's own threads


@pytest.fixture
def app_engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    """The API's engine with a writer that waits a minute: each test writes batches itself."""
    settings = Settings(database_url=database_url, solve_budget_ms=200, debounce_ms=0,
                        gps_flush_ms=60_000)
    eng = Engine(settings, clock=clock)
    yield eng
    eng.stop()
    eng.sessions.kw["bind"].dispose()


def fix(km: float) -> dict[str, float]:
    lat, lon = north(km)
    return {"lat": lat, "lon": lon}


def position_events(engine: Engine) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Event)
                        .where(Event.type == "technician.position"))


def test_a_technician_posts_only_his_own_fixes(client: TestClient, anonymous: TestClient,
                                               app_engine: Engine) -> None:
    li = client.post(f"{API}/technicians", json=tech_json(name="Li")).json()
    wang = client.post(f"{API}/technicians", json=tech_json(name="Wang")).json()
    as_li = bearer(app_engine, "li", Role.technician, li["id"])
    own = anonymous.post(f"{API}/technicians/{li['id']}/position", json=fix(1), headers=as_li)
    assert own.status_code == 202 and own.json()["technician_id"] == li["id"]
    other = anonymous.post(f"{API}/technicians/{wang['id']}/position", json=fix(1),
                           headers=as_li)
    assert other.status_code == 403 and "may only act for technician" in other.text
    nobody = anonymous.post(f"{API}/technicians/{li['id']}/position", json=fix(1))
    assert nobody.status_code == 401 and "not logged in" in nobody.json()["detail"]
    staff = client.post(f"{API}/technicians/{wang['id']}/position", json=fix(2))
    assert staff.status_code == 202


def test_the_answer_is_202_and_the_live_position_shows_before_the_batch(
        client: TestClient, app_engine: Engine) -> None:
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    answer = client.post(f"{API}/technicians/{li['id']}/position", json=fix(1))
    assert answer.status_code == 202
    assert answer.json() == {"technician_id": li["id"], **fix(1),
                             "at": answer.json()["at"], "applied": True}
    assert position_events(app_engine) == 0  # not written yet ...
    read = client.get(f"{API}/technicians/{li['id']}").json()
    assert read["position"] == fix(1) and read["position_at"] is not None  # ... yet shown
    app_engine.gps.flush()
    assert position_events(app_engine) == 1


def test_a_known_caller_costs_no_query(client: TestClient, app_engine: Engine) -> None:
    """Once his token and technician were seen, a fix touches neither the database nor a
    thread: the answer comes from the live store and the buffer."""
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    path = f"{API}/technicians/{li['id']}/position"
    assert client.post(path, json=fix(1)).status_code == 202
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        # A re-plan may run meanwhile, and the live stream's tail reads the events table.
        tail = statement.startswith("SELECT events.")
        if threading.current_thread().name not in BACKGROUND and not tail:
            statements.append(statement)

    db = app_engine.sessions.kw["bind"]
    event.listen(db, "before_cursor_execute", seen)
    try:
        for km in (2, 3, 4):
            assert client.post(path, json=fix(km)).status_code == 202
    finally:
        event.remove(db, "before_cursor_execute", seen)
    assert statements == []


def test_a_disabled_account_loses_the_gps_path_within_the_cache_time(
        anonymous: TestClient, client: TestClient, app_engine: Engine) -> None:
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    wall = [0.0]
    app_engine.gps.callers = PrincipalCache(app_engine.accounts.principal, ttl_s=30,
                                            clock=app_engine.clock, monotonic=lambda: wall[0])
    as_li = bearer(app_engine, "li", Role.technician, li["id"])
    path = f"{API}/technicians/{li['id']}/position"
    assert anonymous.post(path, json=fix(1), headers=as_li).status_code == 202
    with app_engine.sessions() as s:
        s.query(User).filter_by(username="li").update({"active": False})
        s.commit()
    wall[0] = 29.0
    assert anonymous.post(path, json=fix(1), headers=as_li).status_code == 202
    wall[0] = 30.0
    refused = anonymous.post(path, json=fix(1), headers=as_li)
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]


def test_an_expired_token_is_refused_though_cached(anonymous: TestClient, client: TestClient,
                                                   app_engine: Engine,
                                                   clock: ManualClock) -> None:
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    as_li = bearer(app_engine, "li", Role.technician, li["id"])
    path = f"{API}/technicians/{li['id']}/position"
    assert anonymous.post(path, json=fix(1), headers=as_li).status_code == 202
    clock.advance(timedelta(minutes=app_engine.settings.token_ttl_min + 1))
    refused = anonymous.post(path, json=fix(1), headers=as_li)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


def test_shutdown_writes_every_accepted_fix(app_engine: Engine, clock: ManualClock) -> None:
    with TestClient(create_app(engine=app_engine)) as c:
        c.headers.update(bearer(app_engine))
        li = c.post(f"{API}/technicians", json=tech_json()).json()
        for n in range(40):
            clock.advance(timedelta(seconds=1))
            assert c.post(f"{API}/technicians/{li['id']}/position",
                          json=fix(n / 10)).status_code == 202
        assert position_events(app_engine) == 0
    assert position_events(app_engine) == 40
    assert app_engine.get_technician(li["id"]).position.lat == north(3.9)[0]


def lane_of(client: TestClient) -> GpsLane:
    """The app's GPS lane (the middleware stack is built when the client starts)."""
    layer = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, GpsLane):
        layer = layer.app
    return layer


def test_a_plain_fix_takes_the_lane_and_gets_the_routes_answer(
        client: TestClient, app_engine: Engine) -> None:
    li = client.post(f"{API}/technicians", json=tech_json()).json()
    url = f"{API}/technicians/{li['id']}/position"
    first = client.post(url, json=fix(1))  # a first fix: the full app finds the technician
    lane = lane_of(client)
    assert first.status_code == 202 and lane.taken == 0
    later = [(datetime.fromisoformat(first.json()["at"]) + timedelta(seconds=s)).isoformat()
             for s in (1, 2)]
    plain = client.post(url, json={**fix(2), "at": later[0]},
                        headers={"X-Request-ID": "phone-7"})
    assert lane.taken == 1
    keyed = client.post(url, json={**fix(3), "at": later[1]},
                        headers={"X-Request-ID": "phone-8", "Idempotency-Key": "k-1"})
    assert lane.taken == 1  # a keyed retry commits with its key: the full app
    assert plain.status_code == keyed.status_code == 202
    assert plain.json() == {"technician_id": li["id"], **fix(2), "applied": True,
                            "at": plain.json()["at"]}
    assert datetime.fromisoformat(plain.json()["at"]) == datetime.fromisoformat(later[0])
    assert plain.json().keys() == keyed.json().keys()
    assert plain.headers["x-request-id"] == "phone-7"
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options",
                 "referrer-policy", "permissions-policy", "content-type"):
        assert plain.headers[name] == keyed.headers[name], name
    scraped = client.get("/metrics").text
    assert ('dispatch_http_requests_total{method="POST",route="/api/v1/technicians/'
            '{technician_id}/position",status="202"} 3.0') in scraped
    assert "dispatch_gps_fixes_total 3.0" in scraped


def test_what_is_not_plain_falls_through_to_the_full_app(
        client: TestClient, anonymous: TestClient, app_engine: Engine) -> None:
    li = client.post(f"{API}/technicians", json=tech_json(name="Li")).json()
    wang = client.post(f"{API}/technicians", json=tech_json(name="Wang")).json()
    url = f"{API}/technicians/{li['id']}/position"
    assert client.post(url, json=fix(1)).status_code == 202
    assert client.post(f"{API}/technicians/{wang['id']}/position",
                       json=fix(1)).status_code == 202
    lane = lane_of(client)
    as_li = bearer(app_engine, "li", Role.technician, li["id"])
    assert anonymous.post(url, json=fix(2), headers=as_li).status_code == 202  # cached now
    taken = lane_of(anonymous).taken
    refusals = {
        "lat": anonymous.post(url, json={"lat": 91, "lon": 0}, headers=as_li),
        "technician_id": anonymous.post(f"{API}/technicians/{wang['id']}/position",
                                        json=fix(2), headers=as_li),
        "body": anonymous.post(url, content=b"{", headers={
            **as_li, "Content-Type": "application/json"}),
        "Authorization": anonymous.post(url, json=fix(2),
                                        headers={"Authorization": "Bearer nonsense"}),
    }
    assert {k: r.status_code for k, r in refusals.items()} == {
        "lat": 422, "technician_id": 403, "body": 422, "Authorization": 401}
    for field, answer in refusals.items():
        assert answer.json()["field"] == field or field == "body", answer.json()
        assert answer.headers["content-security-policy"], field
    assert lane_of(anonymous).taken == taken  # every refusal came from the full app
    unknown = client.post(f"{API}/technicians/999999/position", json=fix(1))
    assert unknown.status_code == 404 and "999999" in unknown.json()["detail"]
    assert lane.taken == 0
