"""The outbox relay: publish stored events that have not reached the stream yet, in order."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.events.bus import EventBus
from dispatcher.events.models import Event

log = logging.getLogger(__name__)


def publish_pending(sessions: sessionmaker[Session], bus: EventBus, now: datetime, *,
                    limit: int = 500) -> int:
    """Publish up to `limit` unpublished events; stops at the first failure. Returns the count.

    On PostgreSQL, rows are locked with SKIP LOCKED so that relays in several API processes
    share the work instead of publishing the same rows. SQLite has no row locks, so each row
    is claimed (a conditional UPDATE, which waits for the write lock) before it is published:
    a relay in another process (a planner worker) then skips it. A crash between the publish
    and the commit can still publish an event twice, which is harmless: events are triggers,
    and the plan is always computed from the stored state.
    """
    done = 0
    with sessions() as session, session.begin():
        query = (select(Event).where(Event.published_at.is_(None)).order_by(Event.id)
                 .limit(limit).with_for_update(skip_locked=True))
        for event in list(session.scalars(query)):
            if not _claim(session, event.id, now):
                continue  # another relay published it since we read
            try:
                bus.publish(event.as_dict())
            except Exception as exc:  # the stream is down: leave the rest for the next pass
                log.warning("event stream unavailable; events wait in the outbox: %s", exc)
                _claim(session, event.id, None)
                break
            done += 1
    return done


def _claim(session: Session, event_id: int, now: datetime | None) -> bool:
    """Mark one event published (or, with None, not) unless it already is; True if it was."""
    state = Event.published_at.is_(None) if now is not None else Event.published_at.is_not(None)
    result = session.execute(update(Event).where(Event.id == event_id, state)
                             .values(published_at=now).execution_options(
                                 synchronize_session=False))
    return result.rowcount == 1


class OutboxRelay:
    """Runs `publish_pending` when nudged after a commit, and every `interval_s` to catch up."""

    def __init__(self, relay: Callable[[], int], interval_s: float = 1.0) -> None:
        self._relay = relay
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def nudge(self) -> None:
        """Something was committed: publish soon."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval_s)
            self._wake.clear()
            try:
                while self._relay() > 0 and not self._stop.is_set():
                    pass
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("outbox relay failed")
