"""Store a solved plan as a new version and bring each ticket's assignment up to date."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.overrides import service as overrides
from dispatcher.planning.models import PlanVersion
from dispatcher.sites.models import DEFAULT_REGION
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from optimizer import Plan, Stop


def store(session: Session, *, plan: Plan, now: datetime, trigger: str,
          region: str = DEFAULT_REGION) -> PlanVersion:
    """Save a region's `plan` (times made absolute) and update every open ticket it speaks of."""
    at = _absolute(now)
    open_tickets = {t.id: t for t in tickets.list_(session, statuses=OPEN_STATUSES,
                                                     region=region)}
    # Held now, though perhaps not when the plan's snapshot was taken (a resident not home
    # while the solver ran): such a ticket stays off the routes.
    held = {ticket_id: f"held by {o.created_by} ({o.reason.value})"
            for ticket_id, o in overrides.live(session, now=now).held.items()
            if ticket_id in open_tickets}
    routes = []
    for route in plan.routes:
        stops = []
        for stop in route.stops:
            if int(stop.job_id) in held:
                continue
            ticket = open_tickets.get(int(stop.job_id))
            late = _late_seconds(ticket, stop, now) if ticket else 0
            stops.append({
                "ticket_id": int(stop.job_id), "eta": at(stop.start), "start": at(stop.start),
                "end": at(stop.end), "late_minutes": round(late / 60, 1),
                "travel_minutes": round(stop.travel / 60, 1), "in_progress": stop.in_progress,
            })
        routes.append({"technician_id": int(route.tech_id), "stops": stops,
                       "end": at(route.end), "overtime_minutes": round(route.overtime / 60, 1)})
    unassigned = [{"ticket_id": int(u.job_id), "reason": u.reason} for u in plan.unassigned]
    unassigned += [{"ticket_id": ticket_id, "reason": reason} for ticket_id, reason in held.items()
                   if ticket_id not in {u["ticket_id"] for u in unassigned}]
    o = plan.objective
    version = PlanVersion(
        region=region, computed_at=now, solve_ms=round(plan.solve_ms, 1), status=plan.status,
        trigger=trigger,
        routes=routes, unassigned=unassigned,
        objective={"total": o.total, "travel_minutes": round(o.travel / 60, 1),
                   "weighted_lateness": o.lateness, "late_minutes": round(o.late_seconds / 60, 1),
                   "overtime_minutes": round(o.overtime / 60, 1), "unassigned": o.dropped},
    )
    session.add(version)
    session.flush()
    _update_tickets(open_tickets, plan, version.version, now, held)
    return version


def _absolute(now: datetime) -> Any:
    return lambda seconds: (now + timedelta(seconds=seconds)).isoformat()


def _late_seconds(ticket: Ticket, stop: Stop, now: datetime) -> int:
    """Predicted lateness against the SLA: arrival past arrive_by, or the end past resolve_by."""
    late = 0.0
    arrived = now + timedelta(seconds=stop.start)
    if stop.in_progress and ticket.on_site_at is not None:
        arrived = ticket.on_site_at
    if ticket.arrive_by is not None:
        late = max(late, (arrived - ticket.arrive_by).total_seconds())
    if ticket.resolve_by is not None:
        late = max(late, (now + timedelta(seconds=stop.end) - ticket.resolve_by).total_seconds())
    return int(late)


def _update_tickets(open_tickets: dict[int, Ticket], plan: Plan, version: int,
                    now: datetime, held: dict[int, str]) -> None:
    placed = {int(job): (int(tech), stop) for job, (tech, stop) in plan.assignment().items()}
    reasons = {int(u.job_id): u.reason for u in plan.unassigned}
    for ticket_id, ticket in open_tickets.items():
        if ticket_id in held:
            _drop(ticket, held[ticket_id], version, now)
        elif ticket_id in placed:
            tech_id, stop = placed[ticket_id]
            _place(ticket, tech_id, stop, version, now)
        elif ticket_id in reasons:
            _drop(ticket, reasons[ticket_id], version, now)


def _place(ticket: Ticket, tech_id: int, stop: Stop, version: int, now: datetime) -> None:
    if ticket.status in (Status.new, Status.assigned):
        if ticket.status is Status.new:
            tickets.move(ticket, Status.assigned, now)
        ticket.technician_id = tech_id
    elif ticket.technician_id != tech_id:
        return  # work already accepted by someone else: a stale plan does not move it
    if not stop.in_progress:  # a technician early for a window leaves later: ETA = start
        ticket.planned_eta = now + timedelta(seconds=stop.start)
    ticket.planned_start = now + timedelta(seconds=stop.start)
    ticket.planned_end = now + timedelta(seconds=stop.end)
    ticket.predicted_late_s = _late_seconds(ticket, stop, now)
    ticket.plan_version = version
    ticket.unassigned_reason = None


def _drop(ticket: Ticket, reason: str, version: int, now: datetime) -> None:
    if ticket.status is Status.assigned:
        tickets.move(ticket, Status.new, now)
        ticket.technician_id = None
    if ticket.status is Status.new:
        ticket.planned_eta = ticket.planned_start = ticket.planned_end = None
        ticket.predicted_late_s = None
    ticket.unassigned_reason = reason
    ticket.plan_version = version
