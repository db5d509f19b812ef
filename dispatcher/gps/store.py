"""Technicians' live positions: the newest fix of each, kept the moment it is accepted.

In memory for the embedded default; in Redis hashes when `DISPATCH_REDIS_URL` is set, so that
several `dispatch serve` processes behind one address share them. A fix older than the one kept
is not applied, in memory as in Redis (a Lua script compares the times), whatever order the
processes see them in. The database gets the same fixes a few hundred ms later (`writer`).

The store also keeps each technician's *anchor*: the fix of his last re-plan request (`rule`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import redis
from redis import asyncio as aioredis

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Newest wins: keep the stored fix when it was taken after this one (ties apply, as in the DB).
_PUT = """
local kept = redis.call('HGET', KEYS[1], ARGV[1])
if kept and tonumber(string.match(kept, '^[^|]+')) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
"""


@dataclass(frozen=True)
class LiveFix:
    """A technician's position at an instant (aware)."""

    technician_id: int
    lat: float
    lon: float
    at: datetime


class LivePositions(Protocol):
    """Where the newest fix of each technician is kept, and his anchor."""

    def put(self, fix: LiveFix) -> bool:
        """Keep `fix` unless a newer one is kept; True if it is now the live position."""
        ...

    async def aput(self, fix: LiveFix) -> bool:
        """`put` for the event loop: never blocks it on I/O."""
        ...

    def get(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]: ...

    def anchors(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]: ...

    def set_anchors(self, fixes: Iterable[LiveFix]) -> None: ...

    async def aclose(self) -> None: ...


class MemoryPositions:
    """One process's positions, behind a lock (the writer thread reads them too)."""

    def __init__(self) -> None:
        self._live: dict[int, LiveFix] = {}
        self._anchors: dict[int, LiveFix] = {}
        self._lock = threading.Lock()

    def put(self, fix: LiveFix) -> bool:
        with self._lock:
            kept = self._live.get(fix.technician_id)
            if kept is not None and kept.at > fix.at:
                return False
            self._live[fix.technician_id] = fix
            return True

    async def aput(self, fix: LiveFix) -> bool:
        return self.put(fix)

    def get(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]:
        with self._lock:
            return {i: self._live[i] for i in technician_ids if i in self._live}

    def anchors(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]:
        with self._lock:
            return {i: self._anchors[i] for i in technician_ids if i in self._anchors}

    def set_anchors(self, fixes: Iterable[LiveFix]) -> None:
        with self._lock:
            self._anchors.update((f.technician_id, f) for f in fixes)

    async def aclose(self) -> None:
        return None


class RedisPositions:
    """Hashes `<namespace>:gps:live` and `<namespace>:gps:anchors`: technician id ->
    "microseconds since 1970|lat|lon" (exact: floats are written with `repr`)."""

    def __init__(self, url: str, *, namespace: str) -> None:
        self._url = url
        self.live_key, self.anchor_key = f"{namespace}:gps:live", f"{namespace}:gps:anchors"
        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5,
                                           socket_connect_timeout=2)
        self._put = self._redis.register_script(_PUT)
        # An asyncio client belongs to the loop it was made in: one per loop that calls `aput`.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._async: aioredis.Redis | None = None
        self._aput: Any = None
        # A fix and the future its request waits on (None: answered already, see `aput`).
        self._waiting: list[tuple[LiveFix, asyncio.Future[bool] | None]] = []
        self._sending: set[asyncio.Task[None]] = set()
        # The newest fix of each technician this process kept: later fixes are answered from
        # it without a round trip, and reads here see them before Redis has them.
        self._seen: dict[int, LiveFix] = {}

    def put(self, fix: LiveFix) -> bool:
        applied = bool(self._put(keys=[self.live_key], args=_args(fix)))
        if applied:
            self._remember(fix)
        return applied

    async def aput(self, fix: LiveFix) -> bool:
        """Puts made in one turn of the event loop go to Redis in one pipeline (concurrent
        requests share a round trip). A technician's first fix in this process waits for
        Redis's answer; after it, a fix newer than the last one kept here is answered at once
        and its put follows (under re-planning the round trip, waiting for Redis to be
        scheduled, was most of a fix's p99 with Redis). Redis still compares the times, so
        the live position is the newest whatever this process answered."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._async = aioredis.Redis.from_url(self._url, decode_responses=True,
                                                  socket_timeout=5, socket_connect_timeout=2)
            self._aput, self._loop, self._waiting = self._async.register_script(_PUT), loop, []
        seen = self._seen.get(fix.technician_id)
        if seen is not None and seen.at > fix.at:
            return False  # Redis holds this newer one (or a newer still): it would refuse
        if not self._waiting:
            loop.call_soon(self._start_send, loop)
        if seen is not None:
            self._seen[fix.technician_id] = fix
            self._waiting.append((fix, None))
            return True
        answer: asyncio.Future[bool] = loop.create_future()
        self._waiting.append((fix, answer))
        applied = await answer
        if applied:
            self._remember(fix)
        return applied

    def _start_send(self, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(self._send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        assert self._async is not None
        try:
            async with self._async.pipeline(transaction=False) as pipe:
                for fix, _ in batch:
                    await self._aput(keys=[self.live_key], args=_args(fix), client=pipe)
                kept = await pipe.execute()
        except Exception as exc:  # every waiting put of the batch fails with it (a 500 each)
            answered = 0
            for fix, answer in batch:
                if answer is None:
                    answered += 1
                    self._seen.pop(fix.technician_id, None)  # his next fix waits again
                elif not answer.done():  # done: its request was cancelled (client gone)
                    answer.set_exception(exc)
            if answered:  # their track is written all the same (`writer`)
                log.warning("%d answered fixes not kept live in Redis: %s", answered, exc)
            return
        for (fix, answer), applied in zip(batch, kept, strict=True):
            if answer is None:
                if not applied:  # another process kept a newer fix: ask Redis next time
                    self._seen.pop(fix.technician_id, None)
            elif not answer.done():
                answer.set_result(bool(applied))

    def _remember(self, fix: LiveFix) -> None:
        seen = self._seen.get(fix.technician_id)
        if seen is None or seen.at <= fix.at:
            self._seen[fix.technician_id] = fix

    def get(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]:
        """The newest of Redis's and this process's own (a put answered may be on its way)."""
        ids = list(technician_ids)
        stored = self._read(self.live_key, ids)
        for i in ids:
            mine = self._seen.get(i)
            if mine is not None and (i not in stored or stored[i].at < mine.at):
                stored[i] = mine
        return stored

    def anchors(self, technician_ids: Iterable[int]) -> dict[int, LiveFix]:
        return self._read(self.anchor_key, technician_ids)

    def set_anchors(self, fixes: Iterable[LiveFix]) -> None:
        mapping = {str(f.technician_id): "|".join(_args(f)[1:]) for f in fixes}
        if mapping:
            self._redis.hset(self.anchor_key, mapping=mapping)

    async def aclose(self) -> None:
        """Close this loop's asyncio client (the app's shutdown)."""
        if self._async is not None and self._loop is asyncio.get_running_loop():
            while self._waiting or self._sending:  # answered puts are sent first
                if self._waiting and not self._sending:
                    self._start_send(self._loop)
                await asyncio.gather(*self._sending, return_exceptions=True)
            await self._async.aclose()
        self._async, self._loop = None, None

    def _read(self, key: str, technician_ids: Iterable[int]) -> dict[int, LiveFix]:
        ids = list(technician_ids)
        if not ids:
            return {}
        values = self._redis.hmget(key, [str(i) for i in ids])
        return {i: _parse(i, v) for i, v in zip(ids, values, strict=True) if v is not None}


def open_store(redis_url: str | None, *, namespace: str) -> LivePositions:
    """Redis when configured (shared by every process), memory otherwise."""
    if redis_url:
        return RedisPositions(redis_url, namespace=namespace)
    return MemoryPositions()


def _args(fix: LiveFix) -> list[str]:
    micros = (fix.at - EPOCH) // MICROSECOND
    return [str(fix.technician_id), str(micros), f"{fix.lat!r}|{fix.lon!r}"]


def _parse(technician_id: int, value: str) -> LiveFix:
    micros, lat, lon = value.split("|")
    return LiveFix(technician_id, float(lat), float(lon), EPOCH + int(micros) * MICROSECOND)
