"""GPS ingest, the hot path: a fix is checked, kept live, buffered for the track, answered.

`accept` (the HTTP route, on the event loop) does no database query for a technician this
process has seen: the fix goes to the live store (`store`) and the writer's buffer (`writer`),
which writes each batch in one transaction and asks for at most one re-plan per region and
batch (`track`, `rule`). `write_through` takes a fix inside the caller's unit of work instead,
stored when it commits: for in-process callers (the simulator, tests) and keyed retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.auth.cache import PrincipalCache
from dispatcher.auth.tokens import Principal
from dispatcher.clock import Clock
from dispatcher.config import Settings
from dispatcher.events import service as events
from dispatcher.events.bus import EventBus
from dispatcher.gps import track
from dispatcher.gps.rule import ReplanRule
from dispatcher.gps.store import LiveFix, open_store
from dispatcher.gps.track import Accepted, Appended
from dispatcher.gps.writer import TrackWriter
from dispatcher.technicians import service as technicians
from dispatcher.technicians.models import Technician
from dispatcher.technicians.schemas import (
    Position,
    PositionAccepted,
    PositionUpdate,
    TechnicianRead,
)
from dispatcher.tickets import service as tickets

log = logging.getLogger(__name__)


class GpsIngest:
    """The GPS path of one engine: live store, track writer, caller cache, re-plan rule."""

    def __init__(self, *, sessions: sessionmaker[Session], clock: Clock, settings: Settings,
                 bus: EventBus, nudge: Callable[[], None],
                 principal: Callable[[str], Principal]) -> None:
        self._sessions = sessions
        self._clock = clock
        self._bus = bus
        self._durable = bool(getattr(bus, "durable", False))
        self._nudge = nudge
        self.store = open_store(settings.redis_url, namespace=settings.redis_stream)
        self.rule = ReplanRule(settings.gps_replan_distance_m, settings.gps_retime_s)
        self.callers = PrincipalCache(principal, ttl_s=settings.auth_cache_s, clock=clock)
        self.writer = TrackWriter(self._write, settings.gps_flush_ms / 1000)
        self._known: set[int] = set()  # technicians found in the database (none is deleted)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.writer.start()

    def stop(self) -> None:
        """Stop the writer after writing every buffered fix."""
        self.writer.stop()

    def flush(self) -> bool:
        """Write the buffered fixes now (tests; the writer does it every `gps_flush_ms`)."""
        return self.writer.flush()

    async def aclose(self) -> None:
        """Release the store's connections of the running event loop (the app's shutdown)."""
        await self.store.aclose()

    # -- taking fixes -------------------------------------------------------------------------
    def knows(self, technician_id: int) -> bool:
        """Whether `technician_id` was found before (`accept` then needs no query)."""
        return technician_id in self._known

    async def accept(self, technician_id: int, fix: PositionUpdate) -> PositionAccepted:
        """Keep the fix live and buffer it for the track (`NotFound` for an unknown id)."""
        if technician_id not in self._known:
            await to_thread.run_sync(self._require, technician_id)
        now = self._clock.now()
        live = LiveFix(technician_id, fix.lat, fix.lon, fix.at or now)
        applied = await self.store.aput(live)
        self.writer.add(Accepted(live, now))
        self.writer.start()  # a no-op once running; an app served without its lifespan too
        return _answer(live, applied)

    def write_through(self, session: Session, technician_id: int, fix: PositionUpdate,
                      now: datetime) -> Technician:
        """The fix in the caller's unit of work, with its re-plan request if it matters."""
        tech = technicians.get(session, technician_id=technician_id)
        where = technicians.Located(tech.region, tech.lat, tech.lon, tech.position_at)
        live = LiveFix(technician_id, fix.lat, fix.lon, fix.at or now)
        technicians.update_position(session, technician_id=technician_id, lat=live.lat,
                                    lon=live.lon, at=live.at, now=now)
        self.store.put(live)
        self._known.add(technician_id)
        if tech.position_at == live.at:  # applied: it is now his stored position
            self._ask(session, live, where, now)
        return tech

    def _ask(self, session: Session, live: LiveFix, where: technicians.Located,
             now: datetime) -> None:
        hand = tickets.in_hand(session, technician_id=live.technician_id)
        anchor = self.store.anchors([live.technician_id]).get(live.technician_id)
        reason = track.judge(live, where, hand.status if hand else None, self.rule, anchor)
        if reason is not None:
            events.record(session, type=track.REPLAN_REQUEST, at=now,
                          payload=track.request_payload(where.region, {live: reason}))
            self.store.set_anchors([live])

    def _require(self, technician_id: int) -> None:
        with self._sessions() as session:
            technicians.get(session, technician_id=technician_id)  # NotFound names the id
        self._known.add(technician_id)

    # -- reading ------------------------------------------------------------------------------
    def overlay(self, reads: Iterable[TechnicianRead]) -> list[TechnicianRead]:
        """The technicians with their live position where it is newer than the stored one."""
        reads = list(reads)
        live = self.store.get(r.id for r in reads)
        return [_newer(r, live.get(r.id)) for r in reads]

    # -- the writer's batch -------------------------------------------------------------------
    def _write(self, batch: list[Accepted]) -> None:
        """One transaction for the batch, then its events published (see `track.append`)."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            done = track.append(session, batch, now=now, rule=self.rule,
                                anchors=self.store.anchors, durable=self._durable)
        self.store.set_anchors(done.anchors)
        self._publish(done)

    def _publish(self, done: Appended) -> None:
        """In-process: every event now. Redis: positions in one round trip (handed back to the
        outbox if that fails); the re-plan requests go through the outbox relay."""
        if not self._durable:
            for event in done.positions + done.requests:
                self._bus.publish(event)
            return
        try:
            self._bus.publish_many(done.positions)  # type: ignore[attr-defined]
        except Exception as exc:
            log.warning("event stream unavailable; GPS events wait in the outbox: %s", exc)
            with self._sessions() as session, session.begin():
                events.unpublish(session, ids=[e["id"] for e in done.positions])
        self._nudge()


def _answer(live: LiveFix, applied: bool) -> PositionAccepted:
    return PositionAccepted(technician_id=live.technician_id, lat=live.lat, lon=live.lon,
                            at=live.at, applied=applied)


def _newer(read: TechnicianRead, fix: LiveFix | None) -> TechnicianRead:
    if fix is None or (read.position_at is not None and read.position_at >= fix.at):
        return read
    return read.model_copy(update={"position": Position(lat=fix.lat, lon=fix.lon),
                                   "position_at": fix.at})
