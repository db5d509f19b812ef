"""The live views' tails: the events table read once per poll (woken by this process's bus,
catching events that commit after a higher id), and the Redis stream read with XREAD."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from sqlalchemy import event

from dispatcher.db import unit_of_work
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from dispatcher.events.tail import DatabaseTail, RedisTail, open_tail
from dispatcher.technicians.schemas import PositionUpdate
from tests.builders import tech
from tests.conftest import unavailable

REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def store(engine: Engine, event_id: int, type: str = "ticket.created") -> None:
    """An event row with a chosen id, as another process would commit it."""
    with unit_of_work(engine.sessions) as s:
        s.add(Event(id=event_id, type=type, payload={"ticket_id": event_id}, at=AT))


def test_the_table_is_read_after_the_newest_id_one_query_a_read(engine: Engine) -> None:
    """Stored before the start: not the tail's. After: streamed kinds only, in one query."""
    store(engine, 1000)
    tail = DatabaseTail(engine.sessions, poll_s=0.01)
    tail.start()
    store(engine, 1001)
    store(engine, 1002, type="technician.shift_started")  # not streamed
    store(engine, 1003)
    statements: list[str] = []
    bind = engine.sessions.kw["bind"]
    count = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", count)
    try:
        assert [e["id"] for e in tail.read()] == [1001, 1003]
        assert tail.read() == []
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(statements) == 2 and all("FROM events" in s for s in statements)


def test_an_event_committed_after_a_higher_id_still_arrives(engine: Engine) -> None:
    """On PostgreSQL a transaction can commit id 1011 after another committed 1012."""
    store(engine, 1010)
    tail = DatabaseTail(engine.sessions, poll_s=0.01)
    tail.start()
    store(engine, 1012)
    assert [e["id"] for e in tail.read()] == [1012]
    store(engine, 1011)
    store(engine, 1013)
    assert [e["id"] for e in tail.read()] == [1011, 1013]
    assert tail.read() == []


def test_this_processs_events_wake_the_tail_before_the_poll(engine: Engine) -> None:
    """With a 5 s poll, a GPS fix recorded through the engine is read within a second."""
    wang = engine.create_technician(tech())
    tail = open_tail(sessions=engine.sessions, bus=engine.bus, poll_s=5.0)
    assert isinstance(tail, DatabaseTail)
    tail.start()
    tail.read()  # let a wake-up left over from the creation pass
    threading.Timer(0.1, engine.update_position,
                    [wang.id, PositionUpdate(lat=31.2, lon=121.5)]).start()
    began = time.monotonic()
    found = tail.read()
    assert time.monotonic() - began < 1.0
    assert [e["type"] for e in found] == ["technician.position"]


@pytest.fixture
def redis_stream() -> Iterator[tuple[redis.Redis, str]]:
    """A Redis client and a stream name of the test's own, deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    name = f"test:{uuid.uuid4().hex[:10]}"
    yield client, name
    client.delete(name)


def test_the_redis_stream_is_followed_from_its_newest_entry(
        redis_stream: tuple[redis.Redis, str]) -> None:
    client, name = redis_stream
    entry = lambda i, kind: client.xadd(name, {"event": json.dumps(  # noqa: E731
        {"id": i, "type": kind, "payload": {}, "at": AT.isoformat()})})
    entry(1, "ticket.created")
    tail = RedisTail(client, name, block_ms=100)
    tail.start()
    for i, kind in ((2, "ticket.created"), (3, "technician.created"), (4, "alert.opened")):
        entry(i, kind)
    assert [e["id"] for e in tail.read()] == [2, 4]
    assert tail.read() == []


def test_an_empty_redis_stream_is_followed_from_its_first_entry(
        redis_stream: tuple[redis.Redis, str]) -> None:
    client, name = redis_stream
    tail = RedisTail(client, name, block_ms=1000)
    tail.start()
    threading.Timer(0.1, client.xadd, [name, {"event": json.dumps(
        {"id": 1, "type": "plan.updated", "payload": {}, "at": AT.isoformat()})}]).start()
    assert [e["id"] for e in tail.read()] == [1]
