"""One batch of accepted GPS fixes onto the track, inside the caller's transaction.

Every fix becomes a `technician.position` event row, in the order accepted and flagged
`applied` as if the fixes had come one at a time; each technician's newest fix becomes his
stored position (newest wins, in SQL); and each region with a fix that matters (`rule`) gets
one `gps.moved` event, the re-plan request. Three statements whatever the batch's size, plus
two reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatcher.enums import Status
from dispatcher.events import service as events
from dispatcher.gps.rule import ReplanRule
from dispatcher.gps.store import LiveFix
from dispatcher.technicians import service as technicians
from dispatcher.technicians.service import Located
from dispatcher.tickets import service as tickets

log = logging.getLogger(__name__)
POSITION = "technician.position"
REPLAN_REQUEST = "gps.moved"

Anchors = Callable[[Iterable[int]], dict[int, LiveFix]]


@dataclass(frozen=True)
class Accepted:
    """A fix as the ingest took it, and when it took it (the event's time)."""

    fix: LiveFix
    received_at: datetime


@dataclass(frozen=True)
class Appended:
    """What a batch wrote: its events as published (positions, then re-plan requests) and the
    fixes that asked for a re-plan (his new anchors)."""

    positions: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    anchors: list[LiveFix]


def append(session: Session, batch: list[Accepted], *, now: datetime, rule: ReplanRule,
           anchors: Anchors, durable: bool) -> Appended:
    """Write `batch` (see the module). Position rows are marked published, for the caller
    publishes them; with a durable bus the requests are left to the outbox relay."""
    known = technicians.located(session, technician_ids={a.fix.technician_id for a in batch})
    rows, newest = _positions(batch, known, now)
    technicians.move_many(session, moves=[(f.technician_id, f.lat, f.lon, f.at)
                                          for f in newest.values()])
    hands = tickets.in_hand_statuses(session, technician_ids=newest)
    asks = _asks(newest, known, hands, rule, anchors(newest))
    requests = _requests(asks, known, now, published_at=None if durable else now)
    ids = events.record_many(session, rows=rows + requests)
    published = [_published(i, row) for i, row in zip(ids, rows + requests, strict=True)]
    return Appended(published[:len(rows)], published[len(rows):], list(asks))


def _positions(batch: list[Accepted], known: dict[int, Located],
               now: datetime) -> tuple[list[dict[str, Any]], dict[int, LiveFix]]:
    """One event row per fix, and the newest applied fix of each technician."""
    stored = {i: k.at for i, k in known.items() if k.at is not None}
    rows: list[dict[str, Any]] = []
    newest: dict[int, LiveFix] = {}
    for accepted in batch:
        fix = accepted.fix
        if fix.technician_id not in known:
            log.warning("GPS fix of unknown technician %s dropped", fix.technician_id)
            continue
        kept = stored.get(fix.technician_id)
        applied = kept is None or fix.at >= kept
        if applied:
            stored[fix.technician_id] = fix.at
            newest[fix.technician_id] = fix
        rows.append({"type": POSITION, "at": accepted.received_at, "published_at": now,
                     "payload": {"technician_id": fix.technician_id,
                                 "region": known[fix.technician_id].region, "lat": fix.lat,
                                 "lon": fix.lon, "at": fix.at.isoformat(), "applied": applied}})
    return rows, newest


def judge(fix: LiveFix, where: Located, hand: Status | None, rule: ReplanRule,
          anchor: LiveFix | None) -> str | None:
    """Why `fix` asks for a re-plan (None: it does not); `where` is his stored position
    before it, the anchor when the store has none (after a restart of the memory store)."""
    return rule.reason(fix, anchor or _stored(fix.technician_id, where), hand)


def request_payload(region: str, asks: dict[LiveFix, str]) -> dict[str, Any]:
    """A region's re-plan request: its technicians whose fixes matter, and why."""
    return {"region": region, "technicians": [
        {"technician_id": fix.technician_id, "reason": reason} for fix, reason in asks.items()]}


def _asks(newest: dict[int, LiveFix], known: dict[int, Located], hands: dict[int, Status],
          rule: ReplanRule, anchors: dict[int, LiveFix]) -> dict[LiveFix, str]:
    """The fixes that ask for a re-plan, with the reason."""
    asks = {}
    for i, fix in newest.items():
        reason = judge(fix, known[i], hands.get(i), rule, anchors.get(i))
        if reason is not None:
            asks[fix] = reason
    return asks


def _stored(technician_id: int, where: Located) -> LiveFix | None:
    """His stored position as an anchor (after a restart, the memory store has none)."""
    if where.lat is None or where.lon is None or where.at is None:
        return None
    return LiveFix(technician_id, where.lat, where.lon, where.at)


def _requests(asks: dict[LiveFix, str], known: dict[int, Located], now: datetime, *,
              published_at: datetime | None) -> list[dict[str, Any]]:
    """One re-plan request per region, naming its technicians and why."""
    regions: dict[str, dict[LiveFix, str]] = {}
    for fix, reason in asks.items():
        regions.setdefault(known[fix.technician_id].region, {})[fix] = reason
    return [{"type": REPLAN_REQUEST, "at": now, "published_at": published_at,
             "payload": request_payload(region, who)} for region, who in sorted(regions.items())]


def _published(event_id: int, row: dict[str, Any]) -> dict[str, Any]:
    """The event as the bus carries it (`Event.as_dict`)."""
    return {"id": event_id, "type": row["type"], "payload": row["payload"],
            "at": row["at"].isoformat()}
