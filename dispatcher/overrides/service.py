"""Pin and unpin. A pin is checked when made: the technician must hold the skill and be on shift."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.enums import Status
from dispatcher.errors import Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.overrides.models import Pin
from dispatcher.technicians import service as technicians
from dispatcher.tickets import service as tickets

PINNABLE = (Status.new, Status.assigned, Status.accepted)


def pin(
    session: Session, *, ticket_id: int, technician_id: int, by: str, reason: str,
    now: datetime, tz: ZoneInfo,
) -> Pin:
    """Pin a ticket to a technician, replacing any earlier pin of that ticket."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    tech = technicians.get(session, technician_id=technician_id)
    if ticket.status not in PINNABLE:
        raise Invalid(f"ticket {ticket.id} is {ticket.status.value}; only new, assigned or "
                      "accepted tickets can be pinned", field="ticket_id")
    if ticket.skill.value not in tech.skills:
        raise Invalid(f"technician {tech.id} lacks the skill {ticket.skill.value} "
                      f"that ticket {ticket.id} needs", field="technician_id")
    if not technicians.on_shift(tech, now, tz):
        raise Invalid(f"technician {tech.id} is off shift", field="technician_id")
    if ticket.status is Status.accepted and ticket.technician_id != tech.id:
        tickets.move(ticket, Status.new, now)  # accepted by someone else: hand it back
    existing = session.get(Pin, ticket.id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    pinned = Pin(ticket_id=ticket.id, technician_id=tech.id, created_by=by, reason=reason,
                 created_at=now)
    session.add(pinned)
    events.record(session, type="override.pinned", at=now, payload={
        "ticket_id": ticket.id, "technician_id": tech.id, "by": by, "reason": reason})
    return pinned


def unpin(session: Session, *, ticket_id: int, by: str, now: datetime) -> None:
    """Remove a ticket's pin; `NotFound` if it has none."""
    existing = session.get(Pin, ticket_id)
    if existing is None:
        raise NotFound(f"ticket {ticket_id} has no pin", field="ticket_id")
    session.delete(existing)
    events.record(session, type="override.unpinned", at=now,
                  payload={"ticket_id": ticket_id, "by": by})


def all_pins(session: Session) -> dict[int, int]:
    """Ticket id -> pinned technician id."""
    return {p.ticket_id: p.technician_id for p in session.scalars(select(Pin))}
