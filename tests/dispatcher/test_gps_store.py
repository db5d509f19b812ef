"""The live-position stores, in memory and in the real Redis (fails under CI without it):
newest fix wins whatever order concurrent puts arrive in, and values come back exactly."""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from dispatcher.gps.store import LiveFix, LivePositions, MemoryPositions, RedisPositions
from tests import aio
from tests.conftest import unavailable

REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = datetime(2026, 11, 25, 1, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[LivePositions]:
    if request.param == "memory":
        yield MemoryPositions()
        return
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    namespace = f"test:{uuid.uuid4().hex[:10]}"
    yield RedisPositions(REDIS_URL, namespace=namespace)
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}:*", count=1000))
    if keys:
        client.delete(*keys)


def test_the_newest_of_concurrent_puts_wins(store: LivePositions) -> None:
    """50 fixes of one technician put at once in a shuffled order (Redis: a few pipelines)."""
    fixes = [LiveFix(7, 31.2 + i * 1e-4, 121.5, T0 + timedelta(seconds=i)) for i in range(50)]
    random.Random(3).shuffle(fixes)

    async def put_all() -> list[bool]:
        answers = await asyncio.gather(*(store.aput(f) for f in fixes))
        await store.aclose()
        return list(answers)

    applied = dict(zip(fixes, aio.run(put_all()), strict=True))
    newest = max(fixes, key=lambda f: f.at)
    assert applied[newest] and store.get([7]) == {7: newest}
    assert not store.put(LiveFix(7, 0.0, 0.0, T0))  # older than the live one: refused


def test_values_come_back_exactly(store: LivePositions) -> None:
    fix = LiveFix(3, 31.233992805755395, 121.53512345678901, T0)
    assert store.put(fix) and store.get([3, 4]) == {3: fix}
    store.set_anchors([fix])
    assert store.anchors([3, 4]) == {3: fix}


@pytest.fixture
def shared() -> Iterator[tuple[RedisPositions, RedisPositions]]:
    """Two processes' stores on one real Redis namespace."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    namespace = f"test:{uuid.uuid4().hex[:10]}"
    yield (RedisPositions(REDIS_URL, namespace=namespace),
           RedisPositions(REDIS_URL, namespace=namespace))
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}:*", count=1000))
    if keys:
        client.delete(*keys)


def test_a_known_technicians_fix_is_answered_before_redis_has_it(
        shared: tuple[RedisPositions, RedisPositions], monkeypatch: pytest.MonkeyPatch) -> None:
    """His first fix waits for Redis's answer; the next is answered at once, seen by this
    process at once, by the others once sent, and sent at the latest when the store closes."""
    here, there = shared
    first, second = (LiveFix(5, 31.2, 121.5, T0 + timedelta(seconds=s)) for s in (0, 5))
    held: list[asyncio.AbstractEventLoop] = []

    async def scenario() -> tuple[bool, bool, dict[int, LiveFix], dict[int, LiveFix]]:
        applied_first = await here.aput(first)
        with monkeypatch.context() as m:  # sending held back: the answer cannot wait for it
            m.setattr(here, "_start_send", held.append)
            applied_second = await asyncio.wait_for(here.aput(second), 1.0)
        assert held, "the put was not queued for Redis"
        mine, theirs = here.get([5]), there.get([5])
        await here.aclose()  # sends what is queued
        return applied_first, applied_second, mine, theirs

    applied_first, applied_second, mine, theirs = aio.run(scenario())
    assert applied_first and applied_second
    assert mine == {5: second} and theirs == {5: first}
    assert there.get([5]) == {5: second}


def test_redis_keeps_the_newest_whatever_a_process_answered(
        shared: tuple[RedisPositions, RedisPositions]) -> None:
    """Another process kept a newer fix: this one's answer is its own view, Redis refuses the
    older fix, and the technician's next fix here waits for Redis's answer again."""
    here, there = shared
    at = [T0 + timedelta(seconds=s) for s in range(4)]

    async def scenario() -> list[bool]:
        answers = [await here.aput(LiveFix(9, 1.0, 1.0, at[0]))]
        assert there.put(LiveFix(9, 3.0, 3.0, at[3]))  # elsewhere, newer
        answers.append(await here.aput(LiveFix(9, 2.0, 2.0, at[1])))  # answered from here
        await asyncio.sleep(0.2)  # its put refused by Redis meanwhile
        answers.append(await here.aput(LiveFix(9, 2.5, 2.5, at[2])))  # asks Redis: refused
        await here.aclose()
        return answers

    assert aio.run(scenario()) == [True, True, False]
    assert here.get([9])[9].at == at[3] and there.get([9])[9].at == at[3]


def test_an_answered_fix_that_redis_did_not_take_is_logged_and_the_next_waits(
        shared: tuple[RedisPositions, RedisPositions], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    here, _ = shared

    def down(*args: object, **kwargs: object) -> None:
        raise redis.ConnectionError("Redis is down")

    async def scenario() -> None:
        assert await here.aput(LiveFix(4, 1.0, 1.0, T0))
        monkeypatch.setattr(here._async, "pipeline", down)
        assert await here.aput(LiveFix(4, 2.0, 2.0, T0 + timedelta(seconds=1)))
        await asyncio.sleep(0.1)
        with pytest.raises(redis.ConnectionError):  # waits for Redis now: the route's 500
            await here.aput(LiveFix(4, 3.0, 3.0, T0 + timedelta(seconds=2)))
        monkeypatch.undo()
        await here.aclose()

    aio.run(scenario())
    assert "1 answered fixes not kept live in Redis" in caplog.text
