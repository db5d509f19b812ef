"""Field-work verbs on one ticket. They flush; the caller's unit of work commits.

`who` is the caller (None for trusted in-process callers such as the simulator); a technician
may act only on tickets assigned to him, checked inside the same transaction as the change.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.alerts import service as alerts
from dispatcher.alerts.models import AlertKind
from dispatcher.auth import access
from dispatcher.auth.tokens import Principal
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict
from dispatcher.events import service as events
from dispatcher.fieldwork.geo import Verdict, judge
from dispatcher.fieldwork.schemas import CheckIn, Completion
from dispatcher.overrides import service as overrides
from dispatcher.overrides.models import Reason
from dispatcher.sites.models import Site
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate

NOT_HOME_FROM = (Status.assigned, Status.accepted, Status.en_route, Status.on_site)


def mine(session: Session, *, ticket_id: int, who: Principal | None) -> Ticket:
    """The ticket, if `who` may act on it (staff, or the technician it is assigned to)."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    if who is not None:
        access.require_ticket(who, ticket_id=ticket.id, owner=ticket.technician_id)
    return ticket


def _record(session: Session, kind: str, ticket: Ticket, at: datetime, **extra: object) -> None:
    events.record(session, type=f"ticket.{kind}", at=at, payload={
        "ticket_id": ticket.id, "technician_id": ticket.technician_id, "region": ticket.region,
        **extra})


def start(session: Session, *, ticket_id: int, who: Principal | None, at: datetime) -> Ticket:
    """Start travelling; an assigned ticket is accepted on the way (both milestones stamped)."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    if ticket.status is Status.assigned:
        tickets.report_status(session, ticket_id=ticket.id, target=Status.accepted, at=at)
    return tickets.report_status(session, ticket_id=ticket.id, target=Status.en_route, at=at)


def check_in(session: Session, *, ticket_id: int, who: Principal | None, data: CheckIn,
             at: datetime, radius_m: float) -> tuple[Ticket, Verdict]:
    """On site, judged against the ticket's location and site; far away it is still taken,
    flagged on the ticket and raised to the dispatcher as a `checkin_far` alert."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    if ticket.status in (Status.assigned, Status.accepted):
        start(session, ticket_id=ticket.id, who=None, at=at)
    tickets.move(ticket, Status.on_site, at)
    site = session.get(Site, ticket.site_id) if ticket.site_id else None
    verdict = judge(ticket=(ticket.lat, ticket.lon), fix=(data.lat, data.lon), radius_m=radius_m,
                    outline=site.outline if site else None)
    ticket.checkin_lat, ticket.checkin_lon = data.lat, data.lon
    ticket.checkin_accuracy_m = data.accuracy_m
    ticket.checkin_distance_m, ticket.checkin_inside = verdict.distance_m, verdict.inside
    _record(session, "checked_in", ticket, at, inside=verdict.inside,
            distance_m=verdict.distance_m)
    if not verdict.inside:
        alerts.raise_(session, kind=AlertKind.checkin_far, ticket_id=ticket.id,
                      technician_id=ticket.technician_id, now=at, message=(
                          f"ticket {ticket.id}: check-in {verdict.distance_m:.0f} m from the "
                          f"ticket location (allowed {radius_m:.0f} m)"))
    return ticket, verdict


def complete(session: Session, *, ticket_id: int, who: Principal | None, data: Completion,
             at: datetime, policy: SlaPolicy) -> tuple[Ticket, Ticket | None]:
    """Finish the work with notes and parts; not fixed: a linked routine follow-up ticket."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    tickets.move(ticket, Status.completed, at)
    ticket.resolution_notes = data.notes
    ticket.parts = [p.model_dump() for p in data.parts]
    ticket.fixed_first_time = data.fixed
    follow_up = None if data.fixed else _follow_up(session, ticket, data.notes, at, policy)
    _record(session, "completed", ticket, at, fixed=data.fixed,
            follow_up_id=follow_up.id if follow_up else None)
    return ticket, follow_up


def _follow_up(session: Session, original: Ticket, notes: str, at: datetime,
               policy: SlaPolicy) -> Ticket:
    """A routine ticket for the second visit: same place, category and skill."""
    reason = f": {notes}" if notes else ""
    follow = tickets.create(session, now=at, policy=policy, data=TicketCreate(
        urgency=Urgency.routine, category=original.category, skill=original.skill,
        lat=original.lat, lon=original.lon, site_id=original.site_id,
        building=original.building, unit=original.unit,
        description=f"follow-up of ticket {original.id}{reason}"[:4000],
        service_minutes=original.service_minutes, reported_at=at))
    follow.follow_up_of = original.id
    return follow


def not_home(session: Session, *, ticket_id: int, who: Principal | None, note: str | None,
             at: datetime) -> Ticket:
    """Nobody home: back to `new`, off his route, held until a dispatcher rebooks it."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    if ticket.status not in NOT_HOME_FROM:
        raise Conflict(f"ticket {ticket.id} is {ticket.status.value}; 'not home' applies to "
                       "assigned, accepted, en_route or on_site tickets", field="status")
    technician_id = ticket.technician_id
    tickets.move(ticket, Status.new, at)
    ticket.technician_id = None
    ticket.planned_eta = ticket.planned_start = ticket.planned_end = None
    ticket.predicted_late_s = None
    ticket.not_home_count = (ticket.not_home_count or 0) + 1
    ticket.not_home_note = note
    events.record(session, type="ticket.not_home", at=at, payload={
        "ticket_id": ticket.id, "technician_id": technician_id, "region": ticket.region,
        "note": note, "count": ticket.not_home_count})
    by = who.username if who is not None else "technician"
    with suppress(Conflict):  # on a locked route the lock decides until it is unlocked
        overrides.hold(session, ticket_id=ticket.id, by=by, reason=Reason.resident_request,
                       now=at)
    return ticket
