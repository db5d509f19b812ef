"""Ticket verbs. They flush; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.assets.models import Asset
from dispatcher.crews import service as crews
from dispatcher.enums import Status
from dispatcher.errors import Conflict, Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.sites import service as sites
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import lifecycle
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate, TicketPreview


def create(session: Session, *, data: TicketCreate, now: datetime, policy: SlaPolicy) -> Ticket:
    """Store a new ticket with its category defaults and SLA deadlines."""
    defaults = policy.defaults(data.category)
    reported = data.reported_at or now
    window = (data.window.start, data.window.end) if data.window else None
    deadlines = policy.deadlines(
        urgency=data.urgency, category=data.category, reported_at=reported, window=window
    )
    if data.asset_id is not None and session.get(Asset, data.asset_id) is None:
        raise Invalid(f"asset {data.asset_id} not found", field="asset_id")
    if data.follows is not None:
        _followable(session, data.follows.ticket_id)
    ticket = Ticket(
        urgency=data.urgency, category=data.category, skill=data.skill or defaults.skill,
        lat=data.lat, lon=data.lon, site_id=data.site_id,
        region=sites.region_of(session, data.site_id), building=data.building,
        unit=data.unit, description=data.description,
        service_minutes=data.service_minutes or defaults.service_min, reported_at=reported,
        window_start=window[0] if window else None, window_end=window[1] if window else None,
        status=Status.new, respond_by=deadlines.respond_by, arrive_by=deadlines.arrive_by,
        resolve_by=deadlines.resolve_by, asset_id=data.asset_id,
    )
    if data.follows is not None:
        ticket.follows_id = data.follows.ticket_id
        ticket.follows_delay_min = data.follows.delay_minutes
        ticket.follows_same_technician = data.follows.same_technician
    team = crews.team(policy, ticket, data.crew)
    session.add(ticket)
    session.flush()
    crews.add(session, ticket, team)
    # Where it is, so a home's live stream (the resident's app) knows its own at once.
    events.record(session, type="ticket.created", at=now, payload={
        "ticket_id": ticket.id, "region": ticket.region, "site_id": ticket.site_id,
        "building": ticket.building, "unit": ticket.unit})
    return ticket


def _followable(session: Session, ticket_id: int) -> None:
    """A linked visit follows a ticket that exists and will be (or was) done."""
    first = session.get(Ticket, ticket_id)
    if first is None:
        raise Invalid(f"ticket {ticket_id} not found", field="follows.ticket_id")
    if first.status in (Status.cancelled, Status.merged):
        raise Invalid(f"ticket {ticket_id} is {first.status.value}: nothing to follow",
                      field="follows.ticket_id")


def preview(*, data: TicketCreate, now: datetime, policy: SlaPolicy) -> TicketPreview:
    """The deadlines and defaults `create` would give, without storing anything."""
    defaults = policy.defaults(data.category)
    window = (data.window.start, data.window.end) if data.window else None
    deadlines = policy.deadlines(urgency=data.urgency, category=data.category,
                                 reported_at=data.reported_at or now, window=window)
    return TicketPreview(skill=data.skill or defaults.skill,
                         service_minutes=data.service_minutes or defaults.service_min,
                         respond_by=deadlines.respond_by, arrive_by=deadlines.arrive_by,
                         resolve_by=deadlines.resolve_by)


def get(session: Session, *, ticket_id: int) -> Ticket:
    """The ticket, or `NotFound`."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found", field="ticket_id")
    return ticket


def list_(session: Session, *, statuses: Sequence[Status] | None = None,
          region: str | None = None, technician_id: int | None = None,
          ids: Iterable[int] | None = None) -> list[Ticket]:
    """Tickets, optionally only those in `statuses`, `region`, of one technician and among
    `ids`, oldest first."""
    query = select(Ticket).order_by(Ticket.id)
    if ids is not None:
        query = query.where(Ticket.id.in_(list(ids)))
    if statuses:
        query = query.where(Ticket.status.in_(list(statuses)))
    if region is not None:
        query = query.where(Ticket.region == region)
    if technician_id is not None:
        query = query.where(Ticket.technician_id == technician_id)
    return list(session.scalars(query))


def move(ticket: Ticket, target: Status, at: datetime) -> None:
    """Apply a checked transition and stamp its time (the first arrival stays the arrival)."""
    lifecycle.check(ticket.status, target)
    ticket.status = target
    field = lifecycle.TIMESTAMP_FIELD.get(target)
    if field is not None and not (target in lifecycle.KEEP_FIRST and getattr(ticket, field)):
        setattr(ticket, field, at)
    if target is Status.on_site:
        ticket.work_started_at = at
    if target is Status.new:
        crews.release(ticket)


def cancel(session: Session, *, ticket_id: int, now: datetime) -> Ticket:
    """Cancel a ticket that has not been started on site."""
    ticket = get(session, ticket_id=ticket_id)
    move(ticket, Status.cancelled, now)
    ticket.technician_id = None
    events.record(session, type="ticket.cancelled", at=now,
                  payload={"ticket_id": ticket.id, "region": ticket.region})
    return ticket


def in_hand(session: Session, *, technician_id: int) -> Ticket | None:
    """The ticket a technician is travelling to or working on, if any."""
    query = select(Ticket).where(
        Ticket.technician_id == technician_id,
        Ticket.status.in_([Status.en_route, Status.on_site]),
    )
    return session.scalars(query).first()


def in_hand_statuses(session: Session, *, technician_ids: Iterable[int]) -> dict[int, Status]:
    """For each of these technicians with a ticket in hand, its status (en route, on site)."""
    query = select(Ticket.technician_id, Ticket.status).where(
        Ticket.technician_id.in_(set(technician_ids)),
        Ticket.status.in_([Status.en_route, Status.on_site]))
    return {tech: status for tech, status in session.execute(query)}


def report_status(session: Session, *, ticket_id: int, target: Status, at: datetime) -> Ticket:
    """A technician's progress report: accepted, en_route, on_site or completed."""
    if target not in lifecycle.REPORTED:
        allowed = ", ".join(sorted(s.value for s in lifecycle.REPORTED))
        raise Conflict(f"status {target.value} cannot be reported; use one of {allowed}",
                       field="status")
    ticket = get(session, ticket_id=ticket_id)
    lifecycle.check(ticket.status, target)
    if target is Status.en_route and ticket.technician_id is not None:
        busy = in_hand(session, technician_id=ticket.technician_id)
        if busy is not None and busy.id != ticket.id:
            raise Conflict(
                f"technician {ticket.technician_id} already has ticket {busy.id} "
                f"{busy.status.value}; finish it first", field="status")
    move(ticket, target, at)
    events.record(session, type=f"ticket.{target.value}",
                  payload={"ticket_id": ticket.id, "technician_id": ticket.technician_id,
                           "region": ticket.region}, at=at)
    return ticket


def close(session: Session, *, ticket: Ticket, now: datetime, why: str) -> Ticket:
    """Close a completed ticket: its loop is done (follow-up answered or expired, or no
    follow-up needed). The technician of record stays."""
    move(ticket, Status.closed, now)
    events.record(session, type="ticket.closed", at=now,
                  payload={"ticket_id": ticket.id, "region": ticket.region, "why": why})
    return ticket
