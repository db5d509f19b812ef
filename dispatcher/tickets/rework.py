"""Rework: a repair that did not hold comes back as a new ticket linked to the original.

Two ways in: the resident answers the follow-up "not fixed", or a new report of the same
category arrives from the same unit within the rework window of the original's completion.
Either way the original is not first-time-fixed, and the optimizer prefers another technician.
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
    original = original_of(session, ticket=ticket, window=window)
    if original is None:
        return
    ticket.rework_of = original.id
    _record(session, ticket, now, "repeat report")


def reopen(session: Session, *, original: Ticket, comment: str, now: datetime,
           policy: SlaPolicy) -> Ticket:
    """The rework ticket of an original the resident says is not fixed (an open one already
    linked to it, e.g. from a repeat report, is reused rather than duplicated)."""
    existing = session.scalars(select(Ticket).where(
        Ticket.rework_of == original.id, Ticket.status.in_(OPEN_STATUSES))).first()
    if existing is not None:
        return existing
    urgency = Urgency.routine if original.urgency is Urgency.scheduled else original.urgency
    note = f"Rework of ticket #{original.id}: not fixed." + (f" {comment}" if comment else "")
    data = TicketCreate(
        urgency=urgency, category=original.category, skill=original.skill, lat=original.lat,
        lon=original.lon, site_id=original.site_id, building=original.building,
        unit=original.unit, description=note[:4000], service_minutes=original.service_minutes,
        reported_at=now, asset_id=original.asset_id)
    ticket = tickets.create(session, data=data, now=now, policy=policy)
    ticket.rework_of = original.id
    _record(session, ticket, now, "not fixed at follow-up")
    return ticket


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
