"""Dispatcher overrides: pin, hold, move to a position, lock a route; and clearing them.

Each is checked when made (skill, shift, ticket state) and refused with the reason; the solver
then treats the live ones as hard constraints. Every override keeps who, when and why. A pin
or move of a crew ticket is for one place (`member`: 1 its own technician, 2..N a partner's);
a hold keeps the whole crew off the routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.crews.models import CrewMember
from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.errors import Conflict, Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.overrides.models import Override, OverrideKind, Reason
from dispatcher.technicians import service as technicians
from dispatcher.technicians.models import Technician
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket

MOVABLE = (Status.new, Status.assigned, Status.accepted)
TICKET_KINDS = (OverrideKind.pin, OverrideKind.hold, OverrideKind.move)


@dataclass(frozen=True)
class Live:
    """The live overrides at one instant, as the snapshot builder needs them."""

    pins: dict[int, int]  # ticket -> technician (pins and moves)
    positions: dict[int, int]  # ticket -> 0-based position on its technician's route
    held: dict[int, Override]  # ticket -> its hold
    locks: dict[int, list[int]]  # technician -> his locked sequence of tickets
    # (ticket, member 2..N) -> (technician, position or None): a crew partner's place pinned
    seats: dict[tuple[int, int], tuple[int, int | None]] = field(default_factory=dict)


def live(session: Session, *, now: datetime) -> Live:
    """Every override in force at `now`."""
    rows = [o for o in session.scalars(select(Override).where(Override.cleared_at.is_(None)))
            if o.live(now)]
    placing = [o for o in rows if o.kind in (OverrideKind.pin, OverrideKind.move)]
    pins = {o.ticket_id: o.technician_id for o in placing if (o.member or 1) == 1}
    positions = {o.ticket_id: o.position for o in placing
                 if (o.member or 1) == 1 and o.kind is OverrideKind.move
                 and o.position is not None}
    seats = {(o.ticket_id, o.member): (o.technician_id, o.position) for o in placing
             if (o.member or 1) > 1}
    held = {o.ticket_id: o for o in rows if o.kind is OverrideKind.hold}
    locks = {o.technician_id: list(o.sequence or []) for o in rows if o.kind is OverrideKind.lock}
    for tech_id, sequence in locks.items():
        for i, ticket_id in enumerate(sequence):
            pins[ticket_id], positions[ticket_id] = tech_id, i
    return Live(pins, positions, held, locks, seats)


def pin(session: Session, *, ticket_id: int, technician_id: int, by: str, reason: Reason,
        now: datetime, tz: ZoneInfo, position: int | None = None, member: int = 1) -> Override:
    """Pin a ticket to a technician (at `position` of his route if given: a move); for a
    crew ticket, `member` 2..N pins that partner's place instead of the ticket's own."""
    if member > 1:
        return _pin_seat(session, ticket_id=ticket_id, technician_id=technician_id, by=by,
                         reason=reason, now=now, tz=tz, position=position, member=member)
    ticket = _movable(session, ticket_id)
    tech = technicians.get(session, technician_id=technician_id)
    _can_take(tech, ticket, now, tz)
    _outside_locks(session, ticket.id, now, tech.id)
    _not_in_crew_twice(session, ticket, tech.id, 1, now)
    if ticket.status is Status.accepted and ticket.technician_id != tech.id:
        tickets.move(ticket, Status.new, now)  # accepted by someone else: hand it back
    kind = OverrideKind.pin if position is None else OverrideKind.move
    return _replace(session, Override(kind=kind, ticket_id=ticket.id, technician_id=tech.id,
                                      position=position, reason=reason, created_by=by,
                                      created_at=now), now)


def _pin_seat(session: Session, *, ticket_id: int, technician_id: int, by: str, reason: Reason,
              now: datetime, tz: ZoneInfo, position: int | None, member: int) -> Override:
    """Pin partner place `member` of a crew ticket to a technician with its skill."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    seat = session.get(CrewMember, (ticket.id, member))
    if seat is None:
        raise Invalid(f"ticket {ticket.id} has no crew member {member} (its crew is "
                      f"{ticket.crew_size or 1})", field="member")
    if ticket.status not in OPEN_STATUSES or seat.status not in MOVABLE:
        raise Invalid(f"crew member {member} of ticket {ticket.id} is {seat.status.value}; "
                      "only a new, assigned or accepted place can be overridden",
                      field="member")
    tech = technicians.get(session, technician_id=technician_id)
    if seat.skill.value not in tech.skills:
        raise Invalid(f"technician {tech.id} lacks the skill {seat.skill.value} that crew "
                      f"member {member} of ticket {ticket.id} needs", field="technician_id")
    if not technicians.on_shift(tech, now, tz):
        raise Invalid(f"technician {tech.id} is off shift", field="technician_id")
    _outside_locks(session, None, now, tech.id)  # a locked route has no partner stops
    _not_in_crew_twice(session, ticket, tech.id, member, now)
    if seat.status is Status.accepted and seat.technician_id != tech.id:
        seat.status, seat.technician_id = Status.new, None  # hand it back
        seat.accepted_at = seat.planned_eta = seat.planned_start = seat.planned_end = None
    kind = OverrideKind.pin if position is None else OverrideKind.move
    return _replace(session, Override(kind=kind, ticket_id=ticket.id, technician_id=tech.id,
                                      position=position, member=member, reason=reason,
                                      created_by=by, created_at=now), now)


def _not_in_crew_twice(session: Session, ticket: Ticket, technician_id: int, member: int,
                       now: datetime) -> None:
    """One technician holds one place of a crew: refuse a pin to a technician who holds
    another place of the ticket for sure (pinned there, or accepted it, or on his way)."""
    if (ticket.crew_size or 1) <= 1:
        return
    held = {1: (ticket.technician_id, ticket.status)}
    held.update({m.member: (m.technician_id, m.status) for m in session.scalars(
        select(CrewMember).where(CrewMember.ticket_id == ticket.id))})
    pinned = {(o.member or 1): o.technician_id for o in session.scalars(select(Override).where(
        Override.ticket_id == ticket.id, Override.kind.in_((OverrideKind.pin,
                                                            OverrideKind.move)),
        Override.cleared_at.is_(None))) if o.live(now)}
    for k, (tech_id, status) in held.items():
        fixed = status in (Status.accepted, Status.en_route, Status.on_site)
        if k != member and technician_id in ((tech_id if fixed else None), pinned.get(k)):
            raise Conflict(f"technician {technician_id} already holds crew member {k} of "
                           f"ticket {ticket.id}", field="technician_id")


def hold(session: Session, *, ticket_id: int, by: str, reason: Reason, now: datetime) -> Override:
    """Keep a ticket off every route until released (e.g. waiting for parts)."""
    ticket = _movable(session, ticket_id)
    _outside_locks(session, ticket.id, now)
    if ticket.status is Status.accepted:
        tickets.move(ticket, Status.new, now)
    return _replace(session, Override(kind=OverrideKind.hold, ticket_id=ticket.id, reason=reason,
                                      created_by=by, created_at=now), now)


def lock(session: Session, *, technician_id: int, sequence: list[int], minutes: int, by: str,
         reason: Reason, now: datetime) -> Override:
    """Freeze a technician's route (`sequence`, from the current plan) for `minutes`."""
    tech = technicians.get(session, technician_id=technician_id)
    for existing in _live_locks(session, tech.id, now):
        _clear(session, existing, by, now)
    row = Override(kind=OverrideKind.lock, technician_id=tech.id, sequence=sequence,
                   until=now + timedelta(minutes=minutes), reason=reason, created_by=by,
                   created_at=now)
    return _add(session, row, now)


def clear_ticket(session: Session, *, ticket_id: int, by: str, now: datetime) -> Override:
    """Clear the live pin, hold or move of a ticket; `NotFound` if it has none."""
    rows = [o for o in session.scalars(select(Override).where(
        Override.ticket_id == ticket_id, Override.kind.in_(TICKET_KINDS))) if o.live(now)]
    if not rows:
        raise NotFound(f"ticket {ticket_id} has no override", field="ticket_id")
    for row in rows:
        _clear(session, row, by, now)
    return rows[-1]


def clear_lock(session: Session, *, technician_id: int, by: str, now: datetime) -> Override:
    """Unlock a technician's route; `NotFound` if it is not locked."""
    rows = _live_locks(session, technician_id, now)
    if not rows:
        raise NotFound(f"technician {technician_id} has no locked route", field="technician_id")
    for row in rows:
        _clear(session, row, by, now)
    return rows[-1]


def expire(session: Session, *, now: datetime) -> list[Override]:
    """Close route locks whose time is up, with an event, so the planner frees the route."""
    ended = [o for o in session.scalars(select(Override).where(
        Override.kind == OverrideKind.lock, Override.cleared_at.is_(None),
        Override.until <= now))]
    for row in ended:
        row.cleared_at, row.cleared_by = row.until, "expiry"
        events.record(session, type="override.expired", at=now, payload=_payload(session, row))
    return ended


def list_live(session: Session, *, now: datetime) -> list[Override]:
    """Overrides in force, oldest first; a pin, hold or move of a ticket that is no longer
    open (completed, closed, cancelled) has nothing left to do and is left out."""
    query = select(Override).where(Override.cleared_at.is_(None)).order_by(Override.id)
    rows = [o for o in session.scalars(query) if o.live(now)]
    ids = {o.ticket_id for o in rows if o.ticket_id is not None}
    done = set(session.scalars(select(Ticket.id).where(
        Ticket.id.in_(ids), Ticket.status.not_in(OPEN_STATUSES)))) if ids else set()
    return [o for o in rows if o.ticket_id not in done]


def _movable(session: Session, ticket_id: int) -> Ticket:
    ticket = tickets.get(session, ticket_id=ticket_id)
    if ticket.status not in MOVABLE:
        raise Invalid(f"ticket {ticket.id} is {ticket.status.value}; only new, assigned or "
                      "accepted tickets can be overridden", field="ticket_id")
    return ticket


def _outside_locks(session: Session, ticket_id: int | None, now: datetime,
                   technician_id: int | None = None) -> None:
    """A locked route is frozen: none of its tickets moves, nothing joins it, until unlocked."""
    for lock_row in session.scalars(select(Override).where(
            Override.kind == OverrideKind.lock, Override.cleared_at.is_(None))):
        if not lock_row.live(now):
            continue
        until = lock_row.until.isoformat(timespec="minutes") if lock_row.until else "unlocked"
        if ticket_id is not None and ticket_id in (lock_row.sequence or []):
            raise Conflict(f"ticket {ticket_id} is on technician {lock_row.technician_id}'s "
                           f"locked route (until {until}); unlock it first", field="ticket_id")
        if technician_id is not None and lock_row.technician_id == technician_id:
            raise Conflict(f"technician {technician_id}'s route is locked (until {until}); "
                           "unlock it first", field="technician_id")


def _can_take(tech: Technician, ticket: Ticket, now: datetime, tz: ZoneInfo) -> None:
    if ticket.skill.value not in tech.skills:
        raise Invalid(f"technician {tech.id} lacks the skill {ticket.skill.value} "
                      f"that ticket {ticket.id} needs", field="technician_id")
    if not technicians.on_shift(tech, now, tz):
        raise Invalid(f"technician {tech.id} is off shift", field="technician_id")


def _replace(session: Session, row: Override, now: datetime) -> Override:
    """One live override per ticket (per crew place): the new one replaces the old; a hold
    replaces every pin of the crew, and a pin the hold."""
    for old in session.scalars(select(Override).where(
            Override.ticket_id == row.ticket_id, Override.kind.in_(TICKET_KINDS),
            Override.cleared_at.is_(None))):
        if OverrideKind.hold in (row.kind, old.kind) or (old.member or 1) == (row.member or 1):
            _clear(session, old, row.created_by, now)
    return _add(session, row, now)


def _add(session: Session, row: Override, now: datetime) -> Override:
    session.add(row)
    session.flush()
    events.record(session, type=f"override.{row.kind.value}", at=now,
                  payload=_payload(session, row))
    return row


def _clear(session: Session, row: Override, by: str, now: datetime) -> None:
    row.cleared_at, row.cleared_by = now, by
    events.record(session, type="override.cleared", at=now,
                  payload={**_payload(session, row), "by": by})


def _live_locks(session: Session, technician_id: int, now: datetime) -> list[Override]:
    return [o for o in session.scalars(select(Override).where(
        Override.technician_id == technician_id, Override.kind == OverrideKind.lock,
        Override.cleared_at.is_(None))) if o.live(now)]


def _payload(session: Session, row: Override) -> dict[str, object]:
    owner = (tickets.get(session, ticket_id=row.ticket_id) if row.ticket_id is not None
             else technicians.get(session, technician_id=row.technician_id))
    return {"override_id": row.id, "region": owner.region, "kind": row.kind.value,
            "ticket_id": row.ticket_id,
            "technician_id": row.technician_id, "position": row.position,
            "member": row.member or 1,
            "until": row.until.isoformat() if row.until else None, "by": row.created_by,
            "reason": row.reason.value}
