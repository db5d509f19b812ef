"""The Redis Streams path for real: outbox catch-up after an outage, and a planner worker
killed in the middle of a burst whose pending entries another worker takes over."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.enums import Skill
from dispatcher.events.models import Event
from dispatcher.events.outbox import publish_pending
from dispatcher.events.redis_stream import RedisStreamBus
from dispatcher.planning.worker import PlannerWorker
from dispatcher.technicians.schemas import PositionUpdate
from tests.builders import north, tech, ticket
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture
def stream(redis_url: str) -> Iterator[str]:
    """A stream name of this test's own, deleted afterwards."""
    name = f"test:{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    client.delete(name, *client.scan_iter(f"{name}:*", count=1000))


def wait_for(check, timeout: float = 60.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False


def stream_event_ids(bus: RedisStreamBus) -> list[int]:
    return [e.event["id"] for e in bus.entries()]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, callable, callable]]:
    """A private redis-server on a free port that the test may stop and start again.

    It keeps an append-only file, so what reached the stream survives the restart.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server binary", FileNotFoundError("redis-server"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs: list[subprocess.Popen] = []

    def start() -> None:
        procs.append(subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "yes", "--dir",
                                       str(tmp_path)], stdout=subprocess.DEVNULL))
        client = redis.Redis(port=port)
        assert wait_for(lambda: _pings(client), 10)

    def stop() -> None:
        procs[-1].terminate()
        procs[-1].wait(10)

    start()
    yield f"redis://127.0.0.1:{port}/0", start, stop
    for p in procs:
        if p.poll() is None:
            p.kill()


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_the_api_keeps_accepting_while_redis_is_down_and_the_stream_catches_up(
        tmp_path: Path, clock: ManualClock, own_redis) -> None:
    url, start, stop = own_redis
    settings = Settings(database_url=f"sqlite:///{tmp_path}/outbox.db", redis_url=url,
                        redis_stream="events")
    engine = Engine(settings, clock=clock)
    engine.start()
    try:
        engine.create_technician(tech())
        assert wait_for(lambda: engine.bus.redis.xlen("events") == 1, 10)
        stop()
        created = [engine.create_ticket(ticket(at=north(i / 10))) for i in range(5)]
        with engine.sessions() as s:  # stored, waiting in the outbox
            waiting = s.query(Event).filter(Event.published_at.is_(None)).count()
        assert waiting == 5 and len({t.id for t in created}) == 5
        start()
        assert wait_for(lambda: _pings(engine.bus.redis) and engine.bus.redis.xlen("events") == 6,
                        20)
        with engine.sessions() as s:
            stored = [e.id for e in s.query(Event).order_by(Event.id)]
        assert stream_event_ids(engine.bus) == stored  # every event once, in order
    finally:
        engine.stop()


def worker(db_url: str, redis_url: str, stream: str, name: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", "--consumer", name], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DISPATCH_DATABASE_URL": db_url,
             "DISPATCH_REDIS_URL": redis_url, "DISPATCH_REDIS_STREAM": stream, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_killed_worker_leaves_nothing_behind(database_url: str, clock: ManualClock,
                                               redis_url: str, stream: str) -> None:
    """1,000 events; the first worker is killed with entries in hand; the second claims them.

    Runs on SQLite and on PostgreSQL: the API, both workers and the test share the database.
    """
    db_url = database_url
    api = Engine(Settings(database_url=db_url, redis_url=redis_url, redis_stream=stream),
                 clock=clock)
    api.start()
    bus: RedisStreamBus = api.bus  # type: ignore[assignment]
    bus.ensure_group()
    first = worker(db_url, redis_url, stream, "w1", DISPATCH_SOLVE_BUDGET_MS="1500",
                   DISPATCH_DEBOUNCE_MS="20")
    second = None
    held = 0
    try:
        techs = [api.create_technician(tech(f"T{i}", (Skill.general,), at=north(i)))
                 for i in range(4)]
        tickets: list[int] = []
        for i in range(996):
            if i % 3 == 2:
                lat, lon = north((i % 50) / 10)
                api.update_position(techs[i % 4].id, PositionUpdate(lat=lat, lon=lon))
            else:
                tickets.append(api.create_ticket(ticket(at=north((i % 40) / 8))).id)
            # From the 300th event on, kill the first worker as soon as it holds unacked
            # entries (it does while it solves, with a 1.5 s budget). It may ack them between
            # the look and the kill: then a fresh first worker is started for another try.
            if i >= 300 and not held and first.poll() is None and _pending_of(bus, "w1") > 0:
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                held = _pending_of(bus, "w1")
                if not held:
                    first = worker(db_url, redis_url, stream, "w1",
                                   DISPATCH_SOLVE_BUDGET_MS="1500", DISPATCH_DEBOUNCE_MS="20")
        assert held, "the first worker was never killed with entries in hand"
        assert first.poll() is not None
        second = worker(db_url, redis_url, stream, "w2", DISPATCH_SOLVE_BUDGET_MS="300",
                        DISPATCH_WORKER_CLAIM_IDLE_MS="500")
        assert wait_for(lambda: bus.redis.xlen(stream) >= 1000, 60)
        assert wait_for(lambda: _drained(bus) and _plan_covers(api, tickets)
                        and _all_published(api), 90), (
            second.stderr.read() if second.poll() is not None else "worker still running")
        # Every stored event reached the stream exactly once: the 1,000 of the burst, and the
        # alerts the workers recorded while planning. The worker stops first: an alert it
        # records between reading the table and reading the stream would fail the comparison.
        second.terminate()
        second.wait(10)
        assert wait_for(lambda: _all_published(api), 30)
        with api.sessions() as s:
            stored = sorted(e.id for e in s.query(Event))
        assert sorted(stream_event_ids(bus)) == stored and stored[:1000] == list(range(1, 1001))
        assert _pending_of(bus, "w1") == 0
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)
        api.stop()


def _all_published(api: Engine) -> bool:
    with api.sessions() as s:
        return s.query(Event).filter(Event.published_at.is_(None)).count() == 0


def _pending_of(bus: RedisStreamBus, consumer: str) -> int:
    info = bus.redis.xpending(bus.stream, bus.group)
    return next((int(c["pending"]) for c in info["consumers"] if c["name"] == consumer), 0)


def _drained(bus: RedisStreamBus) -> bool:
    group = bus.redis.xinfo_groups(bus.stream)[0]
    return group["pending"] == 0 and group["lag"] == 0


def _plan_covers(api: Engine, tickets: list[int]) -> bool:
    plan = api.current_plan()
    if plan is None:
        return False
    placed = [s["ticket_id"] for r in plan.routes for s in r["stops"]]
    placed += [u["ticket_id"] for u in plan.unassigned]
    return sorted(placed) == sorted(tickets)  # every ticket once, none missing


def test_a_steady_stream_is_still_planned(tmp_path: Path, clock: ManualClock, redis_url: str,
                                           stream: str) -> None:
    """Events arriving faster than the debounce window must not postpone the plan forever."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/steady.db", redis_url=redis_url,
                        redis_stream=stream, solve_budget_ms=100)
    engine = Engine(settings, clock=clock)
    bus: RedisStreamBus = engine.bus  # type: ignore[assignment]
    worker = PlannerWorker(engine, bus, consumer="steady", debounce_ms=200)
    wang = engine.create_technician(tech())
    assert publish_all(engine) == 1
    done = threading.Event()

    def produce() -> None:  # a GPS fix every 50 ms for up to 20 s
        for i in range(400):
            if done.is_set():
                return
            engine.update_position(wang.id, PositionUpdate(lat=31.2 + i * 1e-5, lon=121.5))
            publish_all(engine)
            time.sleep(0.05)

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        handled = worker.run_once()
        assert producer.is_alive(), "the worker only planned once the stream went quiet"
        assert handled >= 1 and worker.solves == 1
    finally:
        done.set()
        producer.join()


def publish_all(engine: Engine) -> int:
    return publish_pending(engine.sessions, engine.bus, engine.clock.now())
