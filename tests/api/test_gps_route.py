"""POST /technicians/{id}/position, the hot path: who may post, what the answer says, the live
position before the batch is written, no query for a known caller, nothing lost at shutdown."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from api.app import create_app
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
