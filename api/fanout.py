"""The live fan-out: one reader per API process feeds every open `GET /stream`.

A single task reads new events from a `Tail` (the events table, or the Redis stream) and hands
each to every connection's queue, formatted once per audience: once for all dispatchers, once
per distinct technician connected (narrowed by the feed's rules). While nothing happens, no
connection touches the database. A connection whose queue grows past `QUEUE_MAX` is closed,
so a slow client never holds up the others; its browser reconnects with `Last-Event-ID` and
catches up from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from anyio import to_thread

from dispatcher.events import feed
from dispatcher.events.tail import RETRY_S, Tail

log = logging.getLogger(__name__)

QUEUE_MAX = 2000  # messages a connection may lag behind before it is closed
Audience = tuple[int | None, str | None]  # (technician id, his region); (None, None): staff
FactsLoader = Callable[[list[dict[str, Any]]], feed.Facts]


@dataclass(frozen=True)
class Message:
    """One event as a connection sends it: its id (to skip replayed ones) and its SSE bytes
    (encoded once for all the connections that send it)."""

    event_id: int
    data: bytes


def sse(event: dict[str, Any]) -> str:
    """The Server-Sent Events message of one stored event."""
    return f"id: {event['id']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


class Listener:
    """One connection's bounded queue of messages."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._pending: deque[Message] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.dropped = False  # closed because it fell too far behind

    def offer(self, messages: list[Message]) -> None:
        """Queue `messages`, or close the connection if that puts it too far behind."""
        if self.closed or not messages:
            return
        if len(self._pending) + len(messages) > self._limit:
            self.dropped = True
            self.close()
            return
        self._pending.extend(messages)
        self._wake()

    def close(self) -> None:
        """End the connection's stream (what is still queued is not sent)."""
        self.closed = True
        self._wake()

    async def next(self, timeout: float) -> list[Message] | None:
        """Everything queued, waiting up to `timeout` for something ([] if nothing came);
        None once closed."""
        if not self._pending and not self.closed:
            await self._wait(timeout)
        if self.closed:
            return None
        taken = list(self._pending)
        self._pending.clear()
        return taken

    async def _wait(self, timeout: float) -> None:
        """Until something is queued or `timeout` passes. A future and a timer: with 1,000
        streams a cancel scope per wait cost more than sending the message."""
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(timeout, self._wake)
        try:
            await self._waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Broadcaster:
    """Runs the one reader of a process and feeds its events to every `Listener`."""

    def __init__(self, tail: Tail, load_facts: FactsLoader, *,
                 queue_max: int = QUEUE_MAX) -> None:
        self._tail = tail
        self._load_facts = load_facts
        self._queue_max = queue_max
        # Weak: a connection whose response never started leaves no listener behind.
        self._audiences: dict[Audience, weakref.WeakSet[Listener]] = {}
        self._limiter = anyio.CapacityLimiter(1)  # the reader's own thread, not the pool's
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Position the tail at the newest event and start reading."""
        await to_thread.run_sync(self._tail.start, limiter=self._limiter)
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="stream-fanout")

    async def stop(self) -> None:
        """Close every connection and wait for the reader to finish its last read."""
        self.close_all()
        self._tail.stop()
        if self._task is not None:
            await self._task

    def listen(self, technician_id: int | None = None, region: str | None = None) -> Listener:
        """A new connection's listener: every event after now, narrowed to the technician."""
        listener = Listener(self._queue_max)
        if self._closing:
            listener.close()
        else:
            audience = (technician_id, region if technician_id is not None else None)
            self._audiences.setdefault(audience, weakref.WeakSet()).add(listener)
        return listener

    def close_all(self) -> None:
        """End every open stream and refuse new ones; callable from any thread."""
        self._closing = True
        if self._loop is None or self._loop.is_closed():
            return
        if _running_loop() is self._loop:
            self._close_listeners()
        else:
            self._loop.call_soon_threadsafe(self._close_listeners)

    def connected(self) -> int:
        """Open connections (for tests and figures)."""
        return sum(1 for listeners in self._audiences.values() for x in listeners if not x.closed)

    async def _run(self) -> None:
        while not self._closing:
            # With no connection open the reader only moves past what comes (a GPS fix is an
            # event: decoding them for nobody took a third of a core at 1,500 fixes/s). If a
            # connection opened during such a read, the events it skipped are read again.
            idle = not self._audiences
            mark = self._tail.mark()
            events = await to_thread.run_sync(self._read, not idle, limiter=self._limiter)
            if idle and self._audiences:
                self._tail.rewind(mark)
                continue
            if not events or self._closing:
                continue
            try:
                await self._deliver(events)
            except Exception:  # one bad batch must not silence every stream for good
                log.exception("the live stream could not deliver events %s-%s",
                              events[0]["id"], events[-1]["id"])

    def _read(self, decode: bool) -> list[dict[str, Any]]:
        try:
            return self._tail.read(decode=decode)
        except Exception:  # the database may be briefly unavailable; keep the reader alive
            log.exception("the live stream's reader failed; retrying")
            time.sleep(RETRY_S)
            return []

    async def _deliver(self, events: list[dict[str, Any]]) -> None:
        facts = await self._facts(events)
        for audience, listeners in list(self._audiences.items()):
            if audience[0] is not None and facts is None:
                _close(listeners)  # they reconnect and replay from the database
            else:
                messages = _messages(events, audience, facts or feed.NO_FACTS)
                for listener in list(listeners):
                    listener.offer(messages)
            self._prune(audience, listeners)

    async def _facts(self, events: list[dict[str, Any]]) -> feed.Facts | None:
        """What narrowing needs, read once for all technicians (None if that read failed)."""
        narrowed = any(technician_id is not None for technician_id, _ in self._audiences)
        if not (narrowed and feed.needs_facts(events)):
            return feed.NO_FACTS
        try:
            return await to_thread.run_sync(self._load_facts, events, limiter=self._limiter)
        except Exception:
            log.exception("the live stream could not narrow events to technicians")
            return None

    def _prune(self, audience: Audience, listeners: weakref.WeakSet[Listener]) -> None:
        for listener in [x for x in listeners if x.closed]:
            listeners.discard(listener)
        if not listeners:
            self._audiences.pop(audience, None)

    def _close_listeners(self) -> None:
        for listeners in list(self._audiences.values()):
            _close(listeners)
        self._audiences.clear()


def _messages(events: list[dict[str, Any]], audience: Audience,
              facts: feed.Facts) -> list[Message]:
    """`events` as `audience` sees them, formatted once for all its connections."""
    technician_id, region = audience
    if technician_id is not None:
        events = [seen for event in events if (seen := feed.narrow(
            event, technician_id=technician_id, region=region or "", facts=facts)) is not None]
    return [Message(event["id"], sse(event).encode()) for event in events]


def _close(listeners: weakref.WeakSet[Listener]) -> None:
    for listener in list(listeners):
        listener.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
