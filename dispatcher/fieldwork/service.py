"""Field-work verbs on one ticket: the one domain command of each life-cycle step, whatever
asks for it (the app's buttons, the status endpoint, the console, the simulator, the CLI).
They flush; the caller's unit of work commits.

`who` is the caller (None for trusted in-process callers such as the simulator); a technician
may act only on tickets assigned to him, checked inside the same transaction as the change.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher import closed_loop
from dispatcher.alerts import service as alerts
from dispatcher.alerts.models import AlertKind
from dispatcher.auth import access
from dispatcher.auth.tokens import Principal
from dispatcher.config import Settings
from dispatcher.crews import service as crews
from dispatcher.crews.models import CrewMember
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict
from dispatcher.events import service as events
from dispatcher.fieldwork.geo import Verdict, judge
from dispatcher.fieldwork.schemas import CheckIn, Completion
from dispatcher.messages import say
from dispatcher.overrides import service as overrides
from dispatcher.overrides.models import Reason
from dispatcher.sites.models import Site
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import rework
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate

NOT_HOME_FROM = (Status.assigned, Status.accepted, Status.en_route, Status.on_site)


def mine(session: Session, *, ticket_id: int, who: Principal | None) -> Ticket:
    """The ticket, if `who` may act on it (staff, the technician it is assigned to, or a
    partner of its crew)."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    if who is not None and seat(session, ticket, who) is None:
        access.require_ticket(who, ticket_id=ticket.id, owner=ticket.technician_id)
    return ticket


def seat(session: Session, ticket: Ticket, who: Principal | None) -> CrewMember | None:
    """The partner's place `who` holds on a crew ticket; None when he acts as the ticket's
    own technician (or is staff, who act for that one)."""
    if who is None or who.staff or (ticket.crew_size or 1) <= 1 \
            or who.technician_id in (None, ticket.technician_id):
        return None
    return crews.partner(session, ticket_id=ticket.id, technician_id=who.technician_id)


def _record(session: Session, kind: str, ticket: Ticket, at: datetime, **extra: object) -> None:
    crew = crews.people(session, ticket)
    events.record(session, type=f"ticket.{kind}", at=at, payload={
        "ticket_id": ticket.id, "technician_id": ticket.technician_id, "region": ticket.region,
        **({"crew": crew} if crew else {}), **extra})


def start(session: Session, *, ticket_id: int, who: Principal | None, at: datetime) -> Ticket:
    """Start travelling; an assigned ticket is accepted on the way (both milestones stamped)."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    partner = seat(session, ticket, who)
    if partner is not None:
        if partner.status is Status.assigned:
            crews.advance(session, ticket, partner, Status.accepted, at)
        crews.advance(session, ticket, partner, Status.en_route, at)
        return ticket
    if ticket.status is Status.assigned:
        tickets.report_status(session, ticket_id=ticket.id, target=Status.accepted, at=at)
    return tickets.report_status(session, ticket_id=ticket.id, target=Status.en_route, at=at)


def accept(session: Session, *, ticket_id: int, who: Principal | None, at: datetime) -> Ticket:
    """He takes the ticket: the SLA's respond milestone."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    partner = seat(session, ticket, who)
    if partner is not None:
        crews.advance(session, ticket, partner, Status.accepted, at)
        return ticket
    return tickets.report_status(session, ticket_id=ticket.id, target=Status.accepted, at=at)


def arrive(session: Session, *, ticket_id: int, who: Principal | None, at: datetime,
           fix: CheckIn | None, radius_m: float) -> tuple[Ticket, Verdict | None]:
    """On site (set off first if he had not said so). With the device's position it is a
    check-in, judged against the ticket's location and site: far away it is still taken,
    flagged on the ticket and raised to the dispatcher as a `checkin_far` alert."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    partner = seat(session, ticket, who)
    if partner is not None:  # his own arrival; the ticket's check-in is its technician's
        if partner.status is not Status.on_site:
            start(session, ticket_id=ticket.id, who=who, at=at)
        crews.advance(session, ticket, partner, Status.on_site, at)
        verdict = None if fix is None else _judge(session, ticket, fix, radius_m, keep=False)
        technician_id = partner.technician_id
    else:
        if ticket.status in (Status.assigned, Status.accepted):
            start(session, ticket_id=ticket.id, who=None, at=at)
        tickets.move(ticket, Status.on_site, at)
        verdict = None if fix is None else _judge(session, ticket, fix, radius_m)
        extra = {} if verdict is None else {"inside": verdict.inside,
                                            "distance_m": verdict.distance_m}
        _record(session, "on_site", ticket, at, **extra)
        technician_id = ticket.technician_id
    if verdict is not None and not verdict.inside:
        alerts.raise_(session, kind=AlertKind.checkin_far, ticket_id=ticket.id,
                      technician_id=technician_id, now=at, message=say(
                          "checkin_far", id=ticket.id, distance=f"{verdict.distance_m:.0f}",
                          radius=f"{radius_m:.0f}"))
    return ticket, verdict


def _judge(session: Session, ticket: Ticket, fix: CheckIn, radius_m: float,
           keep: bool = True) -> Verdict:
    """Judge the check-in position and (`keep`) keep it, with the verdict, on the ticket."""
    site = session.get(Site, ticket.site_id) if ticket.site_id else None
    verdict = judge(ticket=(ticket.lat, ticket.lon), fix=(fix.lat, fix.lon), radius_m=radius_m,
                    outline=site.outline if site else None)
    if not keep:
        return verdict
    ticket.checkin_lat, ticket.checkin_lon = fix.lat, fix.lon
    ticket.checkin_accuracy_m = fix.accuracy_m
    ticket.checkin_distance_m, ticket.checkin_inside = verdict.distance_m, verdict.inside
    return verdict


def complete(session: Session, *, ticket_id: int, who: Principal | None, data: Completion,
             at: datetime, now: datetime, settings: Settings,
             policy: SlaPolicy) -> tuple[Ticket, Ticket | None]:
    """Finish the work with notes and parts, and close the loop's next steps: the resident's
    follow-up (or, for preventive work, the plan's next visit), and for "needs another visit"
    the linked second-visit ticket, a rework like any other."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    if who is None or not who.staff:  # a dispatcher may close work confirmed by phone
        crews.require_all_on_site(session, ticket)
    tickets.move(ticket, Status.completed, at)
    ticket.resolution_notes = data.notes
    ticket.parts = [p.model_dump() for p in data.parts]
    ticket.fixed_first_time = data.fixed
    follow_up = None if data.fixed else _next_visit(session, ticket, data.notes, at, settings,
                                                    policy)
    _record(session, "completed", ticket, at, fixed=data.fixed,
            follow_up_id=follow_up.id if follow_up else None)
    closed_loop.after_completion(session, ticket=ticket, now=now, settings=settings)
    return ticket, follow_up


def _next_visit(session: Session, original: Ticket, notes: str, at: datetime,
                settings: Settings, policy: SlaPolicy) -> Ticket:
    """The ticket of the visit still needed: a rework of a repair; for preventive work (an
    inspection that found a fault) a routine repair, which is new work, not a rework."""
    if original.preventive:
        reason = f": {notes}" if notes else ""
        follow = tickets.create(session, now=at, policy=policy, data=TicketCreate(
            urgency=Urgency.routine, category=original.category, skill=original.skill,
            lat=original.lat, lon=original.lon, site_id=original.site_id,
            building=original.building, unit=original.unit, asset_id=original.asset_id,
            description=f"found at maintenance visit #{original.id}{reason}"[:4000],
            service_minutes=original.service_minutes, reported_at=at))
        created = True
    else:
        follow, created = rework.second_visit(session, original=original, notes=notes, now=at,
                                              policy=policy)
    follow.follow_up_of = follow.follow_up_of or original.id
    if created:
        closed_loop.after_create(session, ticket=follow, now=at, settings=settings)
    return follow


def not_home(session: Session, *, ticket_id: int, who: Principal | None, note: str | None,
             at: datetime) -> Ticket:
    """Nobody home: back to `new`, off his route, held until a dispatcher rebooks it."""
    ticket = mine(session, ticket_id=ticket_id, who=who)
    if seat(session, ticket, who) is not None:
        raise Conflict(f"ticket {ticket.id}: 'not home' is said by the crew's first "
                       "technician or a dispatcher", field="status")
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
