"""Two API processes' engines behind one address share live positions through the real Redis
(127.0.0.1:6379): a fix taken by one is read by the other before any batch is written, newest
wins across them, and the written batch reaches the event stream. Fails under CI without Redis.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.events.redis_stream import RedisStreamBus
from tests.accounts import bearer
from tests.builders import north, tech_json
from tests.conftest import unavailable

API = "/api/v1"
REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def namespace() -> Iterator[str]:
    """A stream name (and so GPS keys) of this test's own, deleted afterwards."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    name = f"test:{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(name, *client.scan_iter(f"{name}:*", count=1000))


@pytest.fixture
def two_apps(database_url: str, clock: ManualClock,
             namespace: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps, each with its engine, on one database and one Redis, signed in as staff."""
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, redis_stream=namespace,
                        gps_flush_ms=60_000)
    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            engine = Engine(settings, clock=clock)
            stack.callback(engine.sessions.kw["bind"].dispose)
            client = stack.enter_context(TestClient(create_app(engine=engine)))
            client.headers.update(bearer(engine))
            clients.append(client)
        yield clients[0], clients[1]


def engine_of(client: TestClient) -> Engine:
    return client.app.state.engine  # type: ignore[attr-defined]


def test_two_processes_share_live_positions_newest_first(
        two_apps: tuple[TestClient, TestClient], clock: ManualClock, namespace: str) -> None:
    a, b = two_apps
    li = a.post(f"{API}/technicians", json=tech_json()).json()
    now = clock.now()
    lat, lon = north(2)
    taken = a.post(f"{API}/technicians/{li['id']}/position",
                   json={"lat": lat, "lon": lon, "at": now.isoformat()})
    assert taken.status_code == 202 and taken.json()["applied"]
    assert b.get(f"{API}/technicians/{li['id']}").json()["position"] == {"lat": lat, "lon": lon}
    older = (now - timedelta(minutes=1)).isoformat()
    late = b.post(f"{API}/technicians/{li['id']}/position",
                  json={"lat": north(1)[0], "lon": lon, "at": older})
    assert late.status_code == 202 and not late.json()["applied"]
    for client in (a, b):
        assert client.get(f"{API}/technicians/{li['id']}").json()["position"]["lat"] == lat
    assert engine_of(b).gps.flush() and engine_of(a).gps.flush()
    stored = engine_of(a).get_technician(li["id"])
    assert stored.position.lat == lat and stored.position_at == now


def test_a_written_batch_reaches_the_stream(two_apps: tuple[TestClient, TestClient],
                                            namespace: str) -> None:
    """Positions in one round trip from the writer; the re-plan request through the outbox."""
    a, _ = two_apps
    li = a.post(f"{API}/technicians", json=tech_json()).json()
    for km in (1, 1.01, 1.02):
        assert a.post(f"{API}/technicians/{li['id']}/position",
                      json=dict(zip(("lat", "lon"), north(km), strict=True))).status_code == 202
    assert engine_of(a).gps.flush()
    bus = RedisStreamBus(REDIS_URL, stream=namespace)
    deadline = time.monotonic() + 10
    kinds: list[str] = []
    while time.monotonic() < deadline and "gps.moved" not in kinds:
        kinds = [e.event["type"] for e in bus.entries()]
        time.sleep(0.05)
    assert kinds.count("technician.position") == 3 and kinds.count("gps.moved") == 1
