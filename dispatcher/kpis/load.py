"""Read the rows a range of KPIs needs from the database into plain `rows` dataclasses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatcher.events.models import Event
from dispatcher.followups.models import FollowUp
from dispatcher.kpis.rows import (
    FollowUpRow,
    GpsFix,
    History,
    RecurringRow,
    TechnicianRow,
    TicketRow,
)
from dispatcher.recurring.models import RecurringFault
from dispatcher.sites.models import Site
from dispatcher.technicians.models import Technician
from dispatcher.tickets.models import Ticket

# A GPS fix is stored when it arrives; allow for phones that send a queue of older fixes late.
FIX_LAG = timedelta(hours=1)


def history(session: Session, *, start: datetime, end: datetime) -> History:
    """Everything `compute` reads for [start, end)."""
    relevant = select(Ticket).where(Ticket.reported_at < end, or_(
        Ticket.reported_at >= start, Ticket.completed_at.is_(None),
        Ticket.completed_at >= start, Ticket.maintenance_due >= start))
    tickets = tuple(_ticket(t) for t in session.scalars(relevant.order_by(Ticket.id)))
    ids = select(relevant.subquery().c.id)
    return History(
        tickets=tickets,
        technicians=_technicians(session),
        follow_ups=tuple(
            FollowUpRow(f.ticket_id, f.state.value, f.rating, f.fixed)
            for f in session.scalars(select(FollowUp).where(FollowUp.ticket_id.in_(ids)))),
        recurring=tuple(
            RecurringRow(r.opened_at, r.category.value, r.site_id)
            for r in session.scalars(select(RecurringFault).where(
                RecurringFault.opened_at >= start, RecurringFault.opened_at < end))),
        fixes=_fixes(session, start, end),
        reworked=frozenset(session.scalars(
            select(Ticket.rework_of).where(Ticket.rework_of.is_not(None)).distinct())),
        found_by_inspection=frozenset(session.scalars(select(Ticket.id).where(
            Ticket.id.in_(ids), Ticket.follow_up_of.in_(
                select(Ticket.id).where(Ticket.maintenance_plan_id.is_not(None)))))),
        site_regions={s.id: s.region for s in session.scalars(select(Site))},
    )


def _ticket(t: Ticket) -> TicketRow:
    return TicketRow(
        id=t.id, urgency=t.urgency.value, category=t.category.value, reported_at=t.reported_at,
        site_id=t.site_id, technician_id=t.technician_id, respond_by=t.respond_by,
        arrive_by=t.arrive_by, resolve_by=t.resolve_by, accepted_at=t.accepted_at,
        on_site_at=t.on_site_at, work_started_at=t.work_started_at, completed_at=t.completed_at,
        closed_at=t.closed_at,
        cancelled_at=t.cancelled_at, window_start=t.window_start, window_end=t.window_end,
        rework_of=t.rework_of, maintenance_plan_id=t.maintenance_plan_id,
        maintenance_due=t.maintenance_due)


def _technicians(session: Session) -> tuple[TechnicianRow, ...]:
    """Every technician, with the time he was created (his shifts count from then)."""
    created = {e.payload.get("technician_id"): e.at for e in session.scalars(
        select(Event).where(Event.type == "technician.created"))}
    return tuple(TechnicianRow(t.id, t.name, t.shift_start, t.shift_end, t.region,
                               created.get(t.id))
                 for t in session.scalars(select(Technician).order_by(Technician.id)))


def _fixes(session: Session, start: datetime, end: datetime) -> tuple[GpsFix, ...]:
    """GPS fixes (from the `technician.position` events) taken inside [start, end)."""
    query = select(Event.payload).where(Event.type == "technician.position",
                                        Event.at >= start, Event.at < end + FIX_LAG)
    out = []
    for p in session.scalars(query):
        at = datetime.fromisoformat(p["at"])
        if start <= at < end:
            out.append(GpsFix(p["technician_id"], at, p["lat"], p["lon"]))
    return tuple(out)
