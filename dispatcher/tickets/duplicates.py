"""Duplicates: a new report that is probably the same fault as an open ticket is proposed to
the dispatcher, with the reason; merged, it leaves the routes and follows that ticket's job,
is completed with it (its reporter gets a follow-up of his own), and goes back on its own if
that ticket is cancelled. Twenty reports of one power cut become one job."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from geopy.distance import geodesic
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.errors import Conflict, Invalid
from dispatcher.events import service as events
from dispatcher.messages import say
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket

# Fields a merged report takes from the job it followed when that job is done.
_FROM_JOB = ("technician_id", "accepted_at", "en_route_at", "on_site_at", "work_started_at",
             "fixed_first_time")


def propose(session: Session, *, ticket: Ticket, window: timedelta, distance_m: float) -> None:
    """Mark `ticket` as a probable duplicate of the earliest open ticket on the same asset, or
    of the same category in the same building within `distance_m`, reported within `window`
    before it. Preventive visits, reworks and linked visits (a second visit follows its first
    on purpose) are never proposed."""
    if ticket.preventive or ticket.rework_of is not None or ticket.follows_id is not None:
        return
    same_place = (Ticket.site_id == ticket.site_id) & (Ticket.building == ticket.building) \
        & (Ticket.category == ticket.category) if ticket.building else None
    same_asset = Ticket.asset_id == ticket.asset_id if ticket.asset_id is not None else None
    alike = [c for c in (same_asset, same_place) if c is not None]
    if not alike:
        return
    query = (select(Ticket).where(
        Ticket.id != ticket.id, Ticket.status.in_(OPEN_STATUSES),
        Ticket.reported_at >= ticket.reported_at - window, Ticket.duplicate_of.is_(None),
        Ticket.maintenance_plan_id.is_(None), or_(*alike)).order_by(Ticket.id))
    for other in session.scalars(query):
        minutes = round((ticket.reported_at - other.reported_at).total_seconds() / 60)
        if ticket.asset_id is not None and other.asset_id == ticket.asset_id:
            why = say("duplicate_asset", id=other.id, minutes=minutes)
        else:
            distance = geodesic((ticket.lat, ticket.lon), (other.lat, other.lon)).meters
            if distance > distance_m:
                continue
            why = say("duplicate_place", id=other.id, category=ticket.category.value,
                      building=ticket.building, distance=round(distance), minutes=minutes)
        ticket.duplicate_candidate, ticket.duplicate_reason = other.id, why
        return


def merge(session: Session, *, ticket_id: int, into: int, now: datetime) -> Ticket:
    """Merge a report into the open ticket `into`: it leaves the routes (status `merged`) and
    tickets merged into it move along."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    target = tickets.get(session, ticket_id=into)
    if target.id == ticket.id:
        raise Invalid("a ticket cannot be merged into itself", field="into")
    if target.duplicate_of is not None:
        raise Conflict(f"ticket {target.id} is itself merged into ticket {target.duplicate_of}; "
                       f"merge into that one", field="into")
    if target.status not in OPEN_STATUSES:
        raise Conflict(f"ticket {target.id} is {target.status.value}: a report can only join "
                       "an open ticket", field="into")
    tickets.move(ticket, Status.merged, now)
    ticket.duplicate_of, ticket.duplicate_candidate = target.id, None
    ticket.technician_id = ticket.planned_eta = ticket.planned_start = None
    ticket.planned_end = ticket.predicted_late_s = None
    for follower in merged_into(session, ticket.id):
        follower.duplicate_of = target.id
    events.record(session, type="ticket.merged", at=now, payload={
        "ticket_id": ticket.id, "into": target.id, "region": ticket.region})
    return ticket


def merge_proposed(session: Session, *, into: int, now: datetime) -> list[Ticket]:
    """Merge every open report proposed as a duplicate of `into` (the storm, in one step)."""
    proposed = session.scalars(select(Ticket).where(
        Ticket.duplicate_candidate == into,
        Ticket.status.in_((Status.new, Status.assigned, Status.accepted))).order_by(Ticket.id))
    return [merge(session, ticket_id=t.id, into=into, now=now) for t in list(proposed)]


def dismiss(session: Session, *, ticket_id: int, now: datetime) -> Ticket:
    """Not the same fault: the proposal is dropped and not made again."""
    ticket = tickets.get(session, ticket_id=ticket_id)
    if ticket.duplicate_candidate is None:
        raise Conflict(f"ticket {ticket_id} is not proposed as a duplicate", field="ticket_id")
    events.record(session, type="ticket.duplicate_dismissed", at=now, payload={
        "ticket_id": ticket.id, "of": ticket.duplicate_candidate, "region": ticket.region})
    ticket.duplicate_candidate = ticket.duplicate_reason = None
    return ticket


def merged_into(session: Session, ticket_id: int) -> Sequence[Ticket]:
    """The reports merged into this ticket and still waiting for its job."""
    return list(session.scalars(select(Ticket).where(
        Ticket.duplicate_of == ticket_id, Ticket.status == Status.merged).order_by(Ticket.id)))


def complete_with(session: Session, *, job: Ticket, now: datetime) -> list[Ticket]:
    """The reports merged into `job`, done with it (the caller opens their follow-ups)."""
    done = list(merged_into(session, job.id))
    for ticket in done:
        for field in _FROM_JOB:
            setattr(ticket, field, getattr(job, field))
        tickets.move(ticket, Status.completed, job.completed_at or now)
        ticket.resolution_notes = say("merged_done", id=job.id)
        events.record(session, type="ticket.completed", at=now, payload={
            "ticket_id": ticket.id, "technician_id": ticket.technician_id,
            "region": ticket.region, "with": job.id})
    return done


def cancel(session: Session, *, ticket_id: int, now: datetime) -> Ticket:
    """Cancel a ticket; the reports merged into it are open tickets of their own again (the
    residents still have the fault they reported)."""
    job = tickets.cancel(session, ticket_id=ticket_id, now=now)
    for ticket in merged_into(session, job.id):
        tickets.move(ticket, Status.new, now)
        ticket.duplicate_of = None
        events.record(session, type="ticket.unmerged", at=now, payload={
            "ticket_id": ticket.id, "from": job.id, "region": ticket.region})
    return job
