"""Linked visits: a ticket that follows another (the repair after the inspection that found
the fault, the second visit once the part is in) is not planned before the first is
completed plus its delay, and goes to the technician who did it when it must be him."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.tickets.models import Ticket

LOOKAHEAD = timedelta(hours=12)  # work further off is planned nearer the time
WEEK = 7 * 24 * 3600  # a linked visit's "not before" has no end: a week is beyond any plan


@dataclass(frozen=True)
class Link:
    """What a linked visit needs to know of the ticket it follows."""

    status: Status
    completed_at: datetime | None
    technician_id: int | None


@dataclass(frozen=True)
class After:
    """A ticket's place after the one it follows: kept off the routes (`held`), not before
    `release`, by `technician` (the one who did the first visit) if it must be him."""

    held: bool = False
    release: datetime | None = None
    technician: int | None = None


FREE = After()


def first_visits(session: Session, tickets: Sequence[Any]) -> dict[int, Link]:
    """The tickets the open ones (snapshot rows or `Ticket`s) follow: one query, none
    without linked visits."""
    ids = {t.follows_id for t in tickets if t.follows_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Ticket.id, Ticket.status, Ticket.completed_at,
                                  Ticket.technician_id).where(Ticket.id.in_(ids)))
    return {row.id: Link(row.status, row.completed_at, row.technician_id) for row in rows}


def after_first(ticket: Any, links: dict[int, Link], now: datetime) -> After:
    """Where a linked visit stands: held while the first is open, or while its completion
    plus the delay is beyond the look-ahead; else free from then on. A first visit cancelled
    or merged away leaves nothing to wait for; a visit under way is not held back."""
    link = links.get(ticket.follows_id) if ticket.follows_id is not None else None
    if link is None or link.status in (Status.cancelled, Status.merged) \
            or ticket.status not in (Status.new, Status.assigned):
        return FREE
    if link.status in OPEN_STATUSES:
        return After(held=True)
    release = (link.completed_at or now) + timedelta(minutes=ticket.follows_delay_min)
    same = link.technician_id if ticket.follows_same_technician else None
    return After(held=release > now + LOOKAHEAD, release=release, technician=same)
