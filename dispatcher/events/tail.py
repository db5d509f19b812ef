"""Tails of the stored events for the live views: one reader per process, not per connection.

`DatabaseTail` reads the events table by id, one query per poll for the whole process, so
events committed by any process (a planner process, another API process) arrive; the
in-process bus wakes it at once for this process's own events. `RedisTail` follows the Redis
stream with XREAD when Redis is configured; the stream's entries carry the stored event with
its id. Both hand back streamed events only (`feed.STREAMED`), oldest first.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Protocol

import redis
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.events import feed
from dispatcher.events.bus import EventBus
from dispatcher.events.models import Event
from dispatcher.events.redis_stream import RedisStreamBus

log = logging.getLogger(__name__)

POLL_S = 0.25  # how late an event committed by another process may reach the live views
MIN_GAP_S = 0.01  # between two reads when woken: a burst of events is read together
BLOCK_MS = 1000  # longest XREAD wait; also how long a stopping tail may take to notice
RETRY_S = 1.0  # after a failed read (database or Redis briefly unavailable)
BATCH = 500
GAP_WAIT_S = 5.0  # how long an id skipped over may still turn up (a transaction committing late)
GAP_SPAN = 1000  # ids skipped further back than this behind the newest are not looked for


class Tail(Protocol):
    """A blocking reader of new streamed events, called from one thread at a time."""

    def start(self) -> None:
        """Position at the newest event: what was stored before is the replay's business."""

    def read(self, *, decode: bool = True) -> list[dict[str, Any]]:
        """New events (possibly none after a wait of at most about a second). With `decode`
        False the tail only moves past them and returns []: nobody is listening."""

    def mark(self) -> object:
        """Where the tail stands, for `rewind`."""

    def rewind(self, mark: object) -> None:
        """Back to `mark`: what was skipped since is read again."""

    def stop(self) -> None:
        """Make a waiting `read` return soon; later reads return nothing."""


def open_tail(*, sessions: sessionmaker[Session], bus: EventBus,
              poll_s: float = POLL_S) -> Tail:
    """The Redis stream's tail when the bus is Redis, else the events table's."""
    if isinstance(bus, RedisStreamBus):
        return RedisTail(bus.redis, bus.stream)
    tail = DatabaseTail(sessions, poll_s=poll_s)
    bus.subscribe(lambda _event: tail.wake())  # this process's events: no wait for the poll
    return tail


class DatabaseTail:
    """Reads the events table after the last id it saw: one query per poll or wake-up.

    On PostgreSQL ids are drawn when a row is inserted, so a transaction can commit an event
    after one with a higher id: ids skipped over are looked for again for `GAP_WAIT_S`.
    """

    def __init__(self, sessions: sessionmaker[Session], *, poll_s: float = POLL_S,
                 batch: int = BATCH) -> None:
        self._sessions = sessions
        self._poll_s = poll_s
        self._batch = batch
        self._wake = threading.Event()
        self._stopped = False
        self._last_read = 0.0
        self._gaps: dict[int, float] = {}  # skipped id -> until when to look for it
        self.cursor = 0

    def start(self) -> None:
        with self._sessions() as session:
            self.cursor = feed.last_id(session)

    def wake(self) -> None:
        """Something was committed in this process: read now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def read(self, *, decode: bool = True) -> list[dict[str, Any]]:
        if self._wake.wait(self._poll_s):
            time.sleep(max(0.0, self._last_read + MIN_GAP_S - time.monotonic()))
        self._wake.clear()
        if self._stopped:
            return []
        self._last_read = time.monotonic()
        with self._sessions() as session:  # rows, not ORM objects: half the CPU of a read
            rows = session.execute(self._query(decode)).all()
        if len(rows) == self._batch:
            self._wake.set()  # more are waiting behind this page
        self._advance([row.id for row in rows])
        if not decode:
            return []
        return [{"id": row.id, "type": row.type, "payload": row.payload,
                 "at": row.at.isoformat()} for row in rows if feed.streamed(row.type)]

    def mark(self) -> object:
        return self.cursor, dict(self._gaps)

    def rewind(self, mark: object) -> None:
        cursor, gaps = mark  # type: ignore[misc]
        self.cursor, self._gaps = cursor, gaps

    def _query(self, decode: bool) -> Select[Any]:
        now = time.monotonic()
        self._gaps = {i: until for i, until in self._gaps.items() if until > now}
        newer = Event.id > self.cursor
        where = or_(newer, Event.id.in_(self._gaps)) if self._gaps else newer
        columns = (Event.id, Event.type, Event.payload, Event.at) if decode else (Event.id,)
        return select(*columns).where(where).order_by(Event.id).limit(self._batch)

    def _advance(self, ids: list[int]) -> None:
        """Move the cursor past `ids`, remembering the ids skipped on the way."""
        for found in ids:
            self._gaps.pop(found, None)
        newest = max(ids, default=self.cursor)
        until = time.monotonic() + GAP_WAIT_S
        skipped = set(range(max(self.cursor + 1, newest - GAP_SPAN), newest)) - set(ids)
        self._gaps.update((i, until) for i in skipped)
        self.cursor = max(self.cursor, newest)


class RedisTail:
    """Follows the Redis event stream with XREAD from the last entry it saw."""

    def __init__(self, client: redis.Redis, stream: str, *, block_ms: int = BLOCK_MS,
                 batch: int = BATCH) -> None:
        self._redis = client
        self._stream = stream
        self._block_ms = block_ms
        self._batch = batch
        self._stopped = False
        self.last_entry: str | None = None

    def start(self) -> None:
        try:
            self._position()
        except redis.RedisError as exc:  # the API runs without Redis; the next read retries
            log.warning("event stream unavailable; the live views wait for it: %s", exc)

    def stop(self) -> None:
        self._stopped = True

    def read(self, *, decode: bool = True) -> list[dict[str, Any]]:
        if self._stopped:
            return []
        try:
            if self.last_entry is None:
                self._position()
            answer = self._redis.xread({self._stream: self.last_entry}, count=self._batch,
                                       block=self._block_ms)
        except redis.RedisError as exc:
            log.warning("event stream unavailable; the live views wait for it: %s", exc)
            time.sleep(RETRY_S)
            return []
        entries = [(entry_id, fields) for _, items in answer or [] for entry_id, fields in items]
        if entries:
            self.last_entry = entries[-1][0]
        if not decode:
            return []
        found = [json.loads(fields["event"]) for _, fields in entries]
        return [event for event in found if feed.streamed(event["type"])]

    def mark(self) -> object:
        return self.last_entry

    def rewind(self, mark: object) -> None:
        self.last_entry = mark  # type: ignore[assignment]

    def _position(self) -> None:
        newest = self._redis.xrevrange(self._stream, count=1)
        self.last_entry = newest[0][0] if newest else "0-0"
