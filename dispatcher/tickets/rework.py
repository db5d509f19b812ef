"""Rework: a repair that did not hold comes back as a new ticket linked to the original.

Three ways in: the technician completes it as "needs another visit", the resident answers the
follow-up "not fixed", or a new report of the same category arrives from the same unit within
the rework window of the original's completion. Each way links the new ticket with `rework_of`
and marks the original not first-time-fixed (so the ticket and the KPI agree), and the
optimizer prefers another technician.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dispatcher.enums import OPEN_STATUSES, Status, Urgency
from dispatcher.events import service as events
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate

_DONE = (Status.completed, Status.closed)


def _same_place(query: Select[tuple[Ticket]], ticket: Ticket) -> Select[tuple[Ticket]]:
    for column, value in ((Ticket.site_id, ticket.site_id), (Ticket.building, ticket.building),
                          (Ticket.unit, ticket.unit)):
        query = query.where(column.is_(None) if value is None else column == value)
    return query


def original_of(session: Session, *, ticket: Ticket, window: timedelta) -> Ticket | None:
    """The latest repair of the same category at the same unit completed within `window`
    before `ticket` was reported; None for tickets without a unit, and for preventive work."""
    if ticket.unit is None or ticket.building is None or ticket.preventive:
        return None
    query = _same_place(select(Ticket), ticket).where(
        Ticket.id != ticket.id, Ticket.category == ticket.category,
        Ticket.status.in_(_DONE), Ticket.maintenance_plan_id.is_(None),
        Ticket.completed_at >= ticket.reported_at - window,
        Ticket.completed_at <= ticket.reported_at)
    return session.scalars(query.order_by(Ticket.completed_at.desc()).limit(1)).first()


def link_repeat(session: Session, *, ticket: Ticket, window: timedelta, now: datetime) -> None:
    """Mark a new report as rework of a recent repair at the same unit, if there is one."""
    if ticket.rework_of is not None:
        return  # already linked where it was made (a second visit, a "not fixed" answer)
    original = original_of(session, ticket=ticket, window=window)
    if original is not None:
        mark(session, ticket=ticket, original=original, now=now, why="repeat report")


def mark(session: Session, *, ticket: Ticket, original: Ticket, now: datetime,
         why: str) -> None:
    """Link `ticket` as a rework of `original`, which was therefore not fixed first time."""
    ticket.rework_of = original.id
    if ticket.follows_id is None:  # a linked visit: after the work it redoes
        ticket.follows_id = original.id
    original.fixed_first_time = False
    _record(session, ticket, now, why)


def open_rework(session: Session, *, original: Ticket) -> Ticket | None:
    """The open rework ticket already linked to `original`, if any."""
    return session.scalars(select(Ticket).where(
        Ticket.rework_of == original.id, Ticket.status.in_(OPEN_STATUSES))).first()


def reopen(session: Session, *, original: Ticket, comment: str, now: datetime,
           policy: SlaPolicy) -> tuple[Ticket, bool]:
    """The rework ticket of an original the resident says is not fixed, and whether it is new
    (an open one already linked to it, from a repeat report or a second visit, is reused)."""
    urgency = Urgency.routine if original.urgency is Urgency.scheduled else original.urgency
    note = f"Rework of ticket #{original.id}: not fixed." + (f" {comment}" if comment else "")
    return _redo(session, original=original, urgency=urgency, note=note, now=now,
                 policy=policy, why="not fixed at follow-up")


def second_visit(session: Session, *, original: Ticket, notes: str, now: datetime,
                 policy: SlaPolicy) -> tuple[Ticket, bool]:
    """The technician completed `original` as "needs another visit": a routine rework ticket
    (the emergency, if any, is contained; the rest waits for parts or a second trip)."""
    reason = f": {notes}" if notes else ""
    return _redo(session, original=original, urgency=Urgency.routine,
                 note=f"Second visit of ticket #{original.id}{reason}", now=now, policy=policy,
                 why="not fixed at completion")


def _redo(session: Session, *, original: Ticket, urgency: Urgency, note: str, now: datetime,
          policy: SlaPolicy, why: str) -> tuple[Ticket, bool]:
    existing = open_rework(session, original=original)
    if existing is not None:
        original.fixed_first_time = False
        return existing, False
    data = TicketCreate(
        urgency=urgency, category=original.category, skill=original.skill, lat=original.lat,
        lon=original.lon, site_id=original.site_id, building=original.building,
        unit=original.unit, description=note[:4000], service_minutes=original.service_minutes,
        reported_at=now, asset_id=original.asset_id)
    ticket = tickets.create(session, data=data, now=now, policy=policy)
    mark(session, ticket=ticket, original=original, now=now, why=why)
    return ticket, True


def avoided_technicians(session: Session, *, ticket_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """For each rework among `ticket_ids`, the technicians who did the earlier attempts."""
    avoid: dict[int, tuple[str, ...]] = {}
    reworks = session.execute(select(Ticket.id, Ticket.rework_of).where(
        Ticket.id.in_(ticket_ids), Ticket.rework_of.is_not(None))).all()
    for ticket_id, original_id in reworks:
        seen: list[str] = []
        # Follow the chain back (a rework of a rework avoids both), a few links at most.
        for _ in range(5):
            if original_id is None:
                break
            original = session.get(Ticket, original_id)
            if original is None:
                break
            if original.technician_id is not None and str(original.technician_id) not in seen:
                seen.append(str(original.technician_id))
            original_id = original.rework_of
        if seen:
            avoid[ticket_id] = tuple(seen)
    return avoid


def _record(session: Session, ticket: Ticket, now: datetime, why: str) -> None:
    events.record(session, type="ticket.rework", at=now,
                  payload={"ticket_id": ticket.id, "rework_of": ticket.rework_of,
                           "region": ticket.region, "why": why})
