"""Resident verbs on one unit's reports: list, report, add a photo, rate, reopen. A link only
ever reaches its own unit's tickets (another's id is a 404, as if it did not exist). They
flush; the caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher import closed_loop
from dispatcher.config import Settings
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict, NotFound
from dispatcher.followups import service as followups
from dispatcher.followups.models import Channel, FollowUp
from dispatcher.followups.schemas import FollowUpAnswer
from dispatcher.photos import service as photos
from dispatcher.photos.models import Photo, PhotoTag
from dispatcher.residents.models import UnitLink
from dispatcher.residents.schemas import (
    MAX_PHOTOS,
    Progress,
    ResidentReport,
    ResidentTicket,
)
from dispatcher.sla.policy import SlaPolicy
from dispatcher.technicians.models import Technician
from dispatcher.tickets import rework
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate, Window

SHOWN = 50  # the unit's latest reports
PROGRESS = {Status.new: Progress.received, Status.merged: Progress.received,
            Status.assigned: Progress.assigned, Status.accepted: Progress.accepted,
            Status.en_route: Progress.on_the_way, Status.on_site: Progress.on_site,
            Status.completed: Progress.done, Status.closed: Progress.closed,
            Status.cancelled: Progress.cancelled}


def of_unit(session: Session, link: UnitLink) -> list[Ticket]:
    """The unit's latest reports, newest first (preventive work on shared equipment is not
    the unit's)."""
    return list(session.scalars(select(Ticket).where(*_unit(link)).order_by(
        Ticket.reported_at.desc(), Ticket.id.desc()).limit(SHOWN)))


def one(session: Session, link: UnitLink, ticket_id: int) -> Ticket:
    """One of the unit's reports; any other ticket is not found."""
    ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id, *_unit(link))).first()
    if ticket is None:
        raise NotFound(f"report {ticket_id} not found for this home", field="ticket_id")
    return ticket


def report(session: Session, link: UnitLink, data: ResidentReport, *, now: datetime,
           settings: Settings, policy: SlaPolicy) -> Ticket:
    """A new repair at the link's unit: an emergency if urgent, at the preferred time if one
    is given, else routine."""
    urgency = Urgency.emergency if data.urgent else (
        Urgency.scheduled if data.window is not None else Urgency.routine)
    ticket = tickets.create(session, now=now, policy=policy, data=TicketCreate(
        urgency=urgency, category=data.category, lat=link.lat, lon=link.lon,
        site_id=link.site_id, building=link.building, unit=link.unit,
        description=data.description, reported_at=now,
        window=None if data.urgent else data.window))
    closed_loop.after_create(session, ticket=ticket, now=now, settings=settings)
    return ticket


def add_photo(session: Session, link: UnitLink, ticket_id: int, data: bytes, *, now: datetime,
              settings: Settings) -> Photo:
    """A photo of the fault, checked like a technician's; at most `MAX_PHOTOS` a report."""
    ticket = one(session, link, ticket_id)
    if ticket.status in (Status.completed, Status.closed, Status.cancelled):
        raise Conflict(f"report {ticket.id} is {ticket.status.value}: photos go with an open "
                       "report", field="ticket_id")
    taken = session.scalar(select(func.count()).select_from(Photo).where(
        Photo.ticket_id == ticket.id, Photo.tag == PhotoTag.resident)) or 0
    if taken >= MAX_PHOTOS:
        raise Conflict(f"report {ticket.id} already has {MAX_PHOTOS} photos", field="file")
    return photos.attach(session, ticket=ticket, data=data, tag=PhotoTag.resident,
                         by=f"resident {link.building}-{link.unit}", taken_at=now, now=now,
                         directory=settings.photo_dir, max_bytes=settings.photo_max_bytes)


def rate(session: Session, link: UnitLink, ticket_id: int, data: FollowUpAnswer, *,
         now: datetime, settings: Settings, policy: SlaPolicy) -> Ticket:
    """The resident's follow-up in the app: rating, fixed or not (not fixed reopens)."""
    ticket = one(session, link, ticket_id)
    followup = followups.of_ticket(session, ticket_id=ticket.id)
    closed_loop.answer_followup(session, followup=followup, data=data, channel=Channel.app,
                                by=f"resident {link.building}-{link.unit}", now=now,
                                settings=settings, policy=policy)
    return ticket


def reopen(session: Session, link: UnitLink, ticket_id: int, comment: str, *, now: datetime,
           settings: Settings, policy: SlaPolicy) -> Ticket:
    """The fault is back within `reopen_days` of the repair: a rework ticket, linked."""
    original = one(session, link, ticket_id)
    until = reopen_until(original, settings)
    if until is None or now > until:
        raise Conflict(f"report {original.id} can be reopened within {settings.reopen_days} "
                       "days of its repair; please report the fault again", field="ticket_id")
    redo, created = rework.reopen(session, original=original, comment=comment, now=now,
                                  policy=policy)
    if created:
        closed_loop.after_create(session, ticket=redo, now=now, settings=settings)
    return redo


def reopen_until(ticket: Ticket, settings: Settings) -> datetime | None:
    """Until when a finished repair may be reopened (None: not finished, or not a repair)."""
    if ticket.completed_at is None or ticket.preventive or ticket.status not in (
            Status.completed, Status.closed):
        return None
    return ticket.completed_at + timedelta(days=settings.reopen_days)


def read(session: Session, ticket: Ticket, settings: Settings) -> ResidentTicket:
    """The report as its resident sees it."""
    followup = session.scalars(select(FollowUp).where(FollowUp.ticket_id == ticket.id)).first()
    tech = session.get(Technician, ticket.technician_id) if ticket.technician_id else None
    coming = ticket.status in (Status.assigned, Status.accepted, Status.en_route)
    return ResidentTicket(
        id=ticket.id, urgency=ticket.urgency, category=ticket.category, status=ticket.status,
        progress=PROGRESS[ticket.status], description=ticket.description,
        reported_at=ticket.reported_at,
        window=Window(start=ticket.window[0], end=ticket.window[1]) if ticket.window else None,
        respond_by=ticket.respond_by,
        arrive_by=ticket.arrive_by, resolve_by=ticket.resolve_by,
        technician=tech.name if tech else None, eta=ticket.planned_eta if coming else None,
        accepted_at=ticket.accepted_at, on_site_at=ticket.on_site_at,
        completed_at=ticket.completed_at, closed_at=ticket.closed_at,
        photos=session.scalar(select(func.count()).select_from(Photo).where(
            Photo.ticket_id == ticket.id, Photo.tag == PhotoTag.resident)) or 0,
        followup=followup.state.value if followup else None,
        rating=followup.rating if followup else None,
        reopen_until=reopen_until(ticket, settings), rework_of=ticket.rework_of,
        reworks=list(session.scalars(select(Ticket.id).where(Ticket.rework_of == ticket.id))))


def _unit(link: UnitLink) -> tuple:
    return (Ticket.site_id == link.site_id, Ticket.building == link.building,
            Ticket.unit == link.unit, Ticket.maintenance_plan_id.is_(None))
