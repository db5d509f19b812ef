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
