"""Rate limits through HTTP: login lockout and its alert, the address's logins, writes per
account, GPS fixes per technician; each a 429 with Retry-After (issue 18)."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from fastapi.testclient import TestClient

from api.ratelimit import Limits, RedisWindow, Window
from dispatcher.engine import Engine
from tests.accounts import PASSWORD, bearer
from tests.builders import tech_json, ticket_json
from tests.conftest import unavailable

API = "/api/v1"


class Clock:
    """A hand-driven monotonic clock for the counters."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited(client: TestClient, engine: Engine, **settings: Any) -> Clock:
    """Give the app fresh limits with `settings` changed, counted on a clock the test drives."""
    clock = Clock()
    limits = Limits(engine.settings.model_copy(update=settings))
    limits.counters = Window(clock)
    limits.gps = Window(clock)
    client.app.state.limits = limits
    return clock


def login(client: TestClient, password: str, username: str = "amy") -> Any:
    return client.post(f"{API}/auth/login", json={"username": username, "password": password})


def assert_429(answer: Any, field: str | None = None) -> None:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.json()["code"] == "rate_limited" and answer.json()["field"] == field


def test_wrong_passwords_lock_the_account_for_a_while_and_alert(
        client: TestClient, app_engine: Engine) -> None:
    """The 5th wrong password in a minute locks the account: even the right one is a 429
    until the lockout ends; the admin sees a login_lockout alert."""
    bearer(app_engine, "amy")
    clock = limited(client, app_engine, login_failures_per_min=5, login_lockout_min=15)
    for _ in range(5):
        assert login(client, "wrong-pw").status_code == 401
    locked = login(client, PASSWORD)
    assert_429(locked, "username")
    assert 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    alerts = client.get(f"{API}/alerts", params={"state": "open"}).json()
    assert [a["kind"] for a in alerts] == ["login_lockout"] and "'amy'" in alerts[0]["message"]
    clock.now += 15 * 60 + 1
    assert login(client, PASSWORD).status_code == 200


def test_four_wrong_passwords_do_not_lock(client: TestClient, app_engine: Engine) -> None:
    bearer(app_engine, "amy")
    clock = limited(client, app_engine, login_failures_per_min=5)
    for _ in range(4):
        assert login(client, "wrong-pw").status_code == 401
    clock.now += 61  # a new minute: the count starts again
    for _ in range(4):
        assert login(client, "wrong-pw").status_code == 401
    assert login(client, PASSWORD).status_code == 200


def test_an_address_gets_so_many_logins_a_minute(client: TestClient,
                                                 app_engine: Engine) -> None:
    bearer(app_engine, "amy")
    clock = limited(client, app_engine, login_per_address_per_min=3,
                    login_failures_per_min=100)
    for name in ("a", "b", "c"):
        assert login(client, "x", username=name).status_code == 401
    assert_429(login(client, PASSWORD))
    clock.now += 60
    assert login(client, PASSWORD).status_code == 200


def test_writes_are_limited_per_account(client: TestClient, app_engine: Engine) -> None:
    """Reads stay open; another account still writes."""
    limited(client, app_engine, writes_per_min=2, writes_per_address_per_min=100)
    for _ in range(2):
        assert client.post(f"{API}/tickets", json=ticket_json()).status_code == 201
    assert_429(client.post(f"{API}/tickets", json=ticket_json()), "Authorization")
    assert client.get(f"{API}/tickets").status_code == 200
    other = bearer(app_engine, "bob")
    assert client.post(f"{API}/tickets", json=ticket_json(), headers=other).status_code == 201


def test_writes_are_limited_per_address(client: TestClient, app_engine: Engine) -> None:
    limited(client, app_engine, writes_per_min=100, writes_per_address_per_min=1)
    assert client.post(f"{API}/tickets", json=ticket_json()).status_code == 201
    other = bearer(app_engine, "bob")
    assert_429(client.post(f"{API}/tickets", json=ticket_json(), headers=other))


def test_gps_fixes_are_limited_per_technician(client: TestClient, app_engine: Engine) -> None:
    """gps_per_s over a 10 s window: 0.2/s allows two fixes, the third waits."""
    tech = client.post(f"{API}/technicians", json=tech_json()).json()
    clock = limited(client, app_engine, gps_per_s=0.2)
    url = f"{API}/technicians/{tech['id']}/position"
    for _ in range(2):
        assert client.post(url, json={"lat": 31.2, "lon": 121.5}).status_code == 202
    assert_429(client.post(url, json={"lat": 31.2, "lon": 121.5}), "technician_id")
    clock.now += 10
    assert client.post(url, json={"lat": 31.2, "lon": 121.5}).status_code == 202


def test_the_document_declares_429_on_writes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "429" in paths[f"{API}/auth/login"]["post"]["responses"]
    assert "429" in paths[f"{API}/tickets"]["post"]["responses"]
    assert "429" in paths[f"{API}/technicians/{{technician_id}}/position"]["post"]["responses"]
    assert "429" not in paths[f"{API}/tickets"]["get"]["responses"]


def test_redis_counters_are_shared_and_expire() -> None:
    """Two servers' `RedisWindow`s count into one window; a lockout ends by itself."""
    url = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    prefix = f"test:rl:{uuid.uuid4().hex[:8]}:"

    async def run() -> None:
        one, two = RedisWindow(url, prefix), RedisWindow(url, prefix)
        assert await one.hit("k", 2, 60) is None and await two.hit("k", 2, 60) is None
        assert 0 < (await one.hit("k", 2, 60) or 0) <= 60
        await one.clear("k")
        assert await two.hit("k", 2, 60) is None
        await one.block("lock:amy", 0.2)
        assert 0 < (await two.blocked("lock:amy") or 0) <= 0.2
        await asyncio.sleep(0.3)
        assert await two.blocked("lock:amy") is None
        await one.aclose()
        await two.aclose()

    try:  # in a thread of its own: an earlier test may leave this one's event loop set
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, run()).result()
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
