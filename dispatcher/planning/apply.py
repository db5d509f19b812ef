"""Store a solved plan as a new version and bring each ticket's assignment up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, select, update
from sqlalchemy.orm import Session

from dispatcher.crews.models import CrewMember
from dispatcher.enums import OPEN_STATUSES, Status
from dispatcher.overrides import service as overrides
from dispatcher.planning.models import PlanVersion
from dispatcher.sites.models import DEFAULT_REGION
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from optimizer import Plan, Route, Stop, Unassigned
from optimizer.crews import member_id, member_of, ticket_of


def store(session: Session, *, plan: Plan, now: datetime, trigger: str,
          region: str = DEFAULT_REGION) -> PlanVersion:
    """Save a region's `plan` (times made absolute) and update every open ticket it speaks of."""
    open_tickets = _locked(session, (Ticket.status.in_(OPEN_STATUSES), Ticket.region == region))
    held = _held(session, now, open_tickets)
    seats = _seats(session, open_tickets)
    routes = [_route(r, open_tickets, held, now, seats) for r in plan.routes]
    unassigned = _out(plan.unassigned)
    unassigned += [{"ticket_id": ticket_id, "reason": reason} for ticket_id, reason in held.items()
                   if ticket_id not in {u["ticket_id"] for u in unassigned}]
    version = _add(session, plan, now, trigger, region, routes, unassigned)
    _update_tickets(session, open_tickets, plan, version.version, now, held)
    _update_seats(seats, plan, now)
    return version


@dataclass(frozen=True)
class Stored:
    """What a stored version holds, kept by who stored it: the next quick insertion builds on
    it without reading back (at 200 / 2,000 its routes are 0.4 MB of JSON)."""

    version: int
    routes: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]

    @classmethod
    def of(cls, version: PlanVersion) -> Stored:
        return cls(version.version, version.routes, version.unassigned)


def store_changes(session: Session, *, plan: Plan, before: Plan, now: datetime, trigger: str,
                  region: str = DEFAULT_REGION, latest: Stored | None = None) -> PlanVersion:
    """Save `plan`, which differs from `before` (the plan of the region's latest version) by
    a few inserted tickets, rewriting only what changed: the routes that took a ticket and the
    tickets on them. A quick insertion in a district rewrote 600 tickets for one new one, and
    was late by that write. `latest`: that version as stored, if the caller has it. Without a
    previous version, the whole plan is stored."""
    previous: Stored | PlanVersion | None = latest
    if previous is None:
        previous = session.scalar(select(PlanVersion).where(PlanVersion.region == region)
                                  .order_by(PlanVersion.version.desc()).limit(1))
    if previous is None:
        return store(session, plan=plan, now=now, trigger=trigger, region=region)
    old = {r.tech_id: [s.job_id for s in r.stops] for r in before.routes}
    changed = {r.tech_id: r for r in plan.routes
               if [s.job_id for s in r.stops] != old.get(r.tech_id)}
    was_out = {u.job_id for u in before.unassigned}
    out = [u for u in plan.unassigned if u.job_id not in was_out]
    ids = {_ticket(s.job_id) for r in changed.values() for s in r.stops} \
        | {_ticket(u.job_id) for u in out}
    touched = _locked(session, (Ticket.id.in_(ids), Ticket.status.in_(OPEN_STATUSES)))
    held = _held(session, now, touched)
    seats = _seats(session, touched)
    routes = [_route(changed[str(r["technician_id"])], touched, held, now, seats)
              if str(r["technician_id"]) in changed else r for r in previous.routes]
    shown = {r["technician_id"] for r in routes}
    routes += [_route(r, touched, held, now, seats) for tech, r in changed.items()
               if int(tech) not in shown]
    placed = {s["ticket_id"] for r in routes for s in r["stops"]}
    unassigned = [u for u in previous.unassigned if u["ticket_id"] not in placed]
    unassigned += _out(out)
    unassigned += [{"ticket_id": ticket_id, "reason": reason} for ticket_id, reason in held.items()
                   if ticket_id not in {u["ticket_id"] for u in unassigned}]
    version = _add(session, plan, now, trigger, region, routes, unassigned)
    _update_tickets(session, touched, plan, version.version, now, held)
    _update_seats(seats, plan, now)
    return version


# What storing a plan reads of each ticket: rows, not ORM objects (at 2,000 open tickets
# loading them as objects was a third of a full store, on the planner's GIL).
_READ = (Ticket.id, Ticket.status, Ticket.technician_id, Ticket.arrive_by, Ticket.resolve_by,
         Ticket.on_site_at, Ticket.crew_size)

Seats = dict[int, dict[int, CrewMember]]  # crew ticket -> member number -> its partner row


def _ticket(job_id: str) -> int:
    """The ticket a job is (one of the crew of)."""
    return int(ticket_of(job_id))


def _out(unassigned: Sequence[Unassigned]) -> list[dict[str, Any]]:
    """Unplanned tickets as stored: a crew's members are one ticket, listed once."""
    out: dict[int, str] = {}
    for u in unassigned:
        out.setdefault(_ticket(u.job_id), u.reason)
    return [{"ticket_id": ticket_id, "reason": reason} for ticket_id, reason in out.items()]


def _seats(session: Session, open_tickets: dict[int, Row[Any]]) -> Seats:
    """The partner rows of the crew tickets a plan writes, locked after their tickets."""
    crew = [ticket_id for ticket_id, row in open_tickets.items() if row.crew_size > 1]
    if not crew:
        return {}
    query = select(CrewMember).where(CrewMember.ticket_id.in_(crew)).order_by(
        CrewMember.ticket_id, CrewMember.member).with_for_update()
    seats: Seats = {}
    for row in session.scalars(query):
        seats.setdefault(row.ticket_id, {})[row.member] = row
    return seats


def _locked(session: Session, where: tuple[ColumnElement[bool], ...]) -> dict[int, Row[Any]]:
    """The tickets a plan will write, locked in the order of their ids (PostgreSQL; SQLite
    has one writer anyway): a quick insertion and a full re-plan stored at the same time
    deadlocked when each locked its rows in its own order."""
    query = select(*_READ).where(*where).order_by(Ticket.id).with_for_update()
    return {row.id: row for row in session.execute(query)}


def _held(session: Session, now: datetime, open_tickets: dict[int, Row[Any]]
          ) -> dict[int, str]:
    """Tickets held now, though perhaps not when the plan's snapshot was taken (a resident not
    home while the solver ran): such a ticket stays off the routes."""
    return {ticket_id: f"held by {o.created_by} ({o.reason.value})"
            for ticket_id, o in overrides.live(session, now=now).held.items()
            if ticket_id in open_tickets}


def _route(route: Route, open_tickets: dict[int, Row[Any]], held: dict[int, str],
           now: datetime, seats: Seats) -> dict[str, Any]:
    """One route as stored: absolute times, the stops that still stand (a crew partner's
    stop says which `member` he is)."""
    at = _absolute(now)
    stops = []
    for stop in route.stops:
        ticket_id, member = _ticket(stop.job_id), member_of(stop.job_id)
        ticket = open_tickets.get(ticket_id)
        seat = seats.get(ticket_id, {}).get(member) if member > 1 else None
        if ticket_id in held or not _still_theirs(seat or ticket, int(route.tech_id)):
            continue
        assert ticket is not None
        late = _late_seconds(ticket, stop, now)
        stops.append({
            "ticket_id": ticket_id, "eta": at(stop.start), "start": at(stop.start),
            "end": at(stop.end), "late_minutes": round(late / 60, 1),
            "travel_minutes": round(stop.travel / 60, 1), "in_progress": stop.in_progress,
            **({"member": member} if member > 1 else {}),
        })
    return {"technician_id": int(route.tech_id), "stops": stops,
            "end": at(route.end), "overtime_minutes": round(route.overtime / 60, 1)}


def _add(session: Session, plan: Plan, now: datetime, trigger: str, region: str,
         routes: list[dict[str, Any]], unassigned: list[dict[str, Any]]) -> PlanVersion:
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
    return version


def _still_theirs(ticket: Row[Any] | CrewMember | None, tech_id: int) -> bool:
    """Whether a stop of a plan solved on an older snapshot still stands: its ticket is open
    and either not yet started or started by this technician (a stale plan shows no stop on
    two routes, nor one that was completed or cancelled while it was solved)."""
    if ticket is None:
        return False
    return ticket.status in (Status.new, Status.assigned) or ticket.technician_id == tech_id


def _absolute(now: datetime) -> Any:
    return lambda seconds: (now + timedelta(seconds=seconds)).isoformat()


def _late_seconds(ticket: Row[Any] | Ticket, stop: Stop, now: datetime) -> int:
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


def _update_tickets(session: Session, open_tickets: dict[int, Row[Any]], plan: Plan,
                    version: int, now: datetime, held: dict[int, str]) -> None:
    """Write the plan onto its tickets. A plan rewrites every open ticket of the region, so
    tickets whose status and technician stay put go in one executemany UPDATE by primary key;
    the few that move (assigned, taken off) are loaded and changed through the ORM, which
    checks and stamps the transition."""
    placed = {int(job): (int(tech), stop) for job, (tech, stop) in plan.assignment().items()
              if member_of(job) == 1}
    reasons = {int(u.job_id): u.reason for u in plan.unassigned if member_of(u.job_id) == 1}
    rows: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    moving: dict[int, tuple[int | None, dict[str, Any]]] = {}  # id -> (technician, fields)
    for ticket_id, ticket in open_tickets.items():
        if ticket_id in held or (ticket_id not in placed and ticket_id in reasons):
            reason = held.get(ticket_id) or reasons[ticket_id]
            fields = _drop(ticket, reason, version)
            if ticket.status is Status.assigned:
                moving[ticket_id] = (None, fields)
                continue
        elif ticket_id in placed:
            tech_id, stop = placed[ticket_id]
            if ticket.status not in (Status.new, Status.assigned) \
                    and ticket.technician_id != tech_id:
                continue  # work already accepted by someone else: a stale plan does not move it
            fields = _place(ticket, stop, version, now)
            if ticket.status is Status.new or ticket.technician_id != tech_id:
                moving[ticket_id] = (tech_id, fields)
                continue
        else:
            continue
        rows.setdefault(tuple(fields), []).append({"_id": ticket_id, **fields})
    if moving:
        # Read afresh: an object this session loaded earlier (a diversion's step) may be older
        # than the rows locked above.
        fresh = select(Ticket).where(Ticket.id.in_(moving)).execution_options(
            populate_existing=True)
        for ticket in session.scalars(fresh):
            tech_id, fields = moving[ticket.id]
            if ticket.status is not open_tickets[ticket.id].status:
                continue  # moved on since it was read (back to the desk, started): next plan
            if tech_id is None:
                tickets.move(ticket, Status.new, now)
            elif ticket.status is Status.new:
                tickets.move(ticket, Status.assigned, now)
            ticket.technician_id = tech_id
            for name, value in fields.items():
                setattr(ticket, name, value)
    table = Ticket.__table__
    for names, batch in rows.items():
        statement = update(table).where(table.c.id == bindparam("_id")).values(
            {name: bindparam(name) for name in names})
        session.execute(statement, batch)


def _update_seats(seats: Seats, plan: Plan, now: datetime) -> None:
    """Give each crew partner not yet under way the place the plan gives him, or none: the
    plan keeps a crew whole, so a partner left out goes back to `new` with his ticket."""
    if not seats:
        return
    placed = plan.assignment()
    out = {u.job_id for u in plan.unassigned}
    for ticket_id, members in seats.items():
        for member, seat in members.items():
            if seat.status not in (Status.new, Status.assigned):
                continue  # accepted or under way: his own until he is done or taken off
            job = member_id(str(ticket_id), member)
            if job in placed:
                tech_id, stop = placed[job]
                seat.technician_id, seat.status = int(tech_id), Status.assigned
                seat.planned_start = now + timedelta(seconds=stop.start)
                seat.planned_eta = seat.planned_start
                seat.planned_end = now + timedelta(seconds=stop.end)
            elif job in out:
                seat.technician_id, seat.status = None, Status.new
                seat.planned_eta = seat.planned_start = seat.planned_end = None


def _place(ticket: Row[Any], stop: Stop, version: int, now: datetime) -> dict[str, Any]:
    """The plan fields of a ticket placed at `stop`."""
    fields: dict[str, Any] = {
        "planned_start": now + timedelta(seconds=stop.start),
        "planned_end": now + timedelta(seconds=stop.end),
        "predicted_late_s": _late_seconds(ticket, stop, now),
        "plan_version": version, "unassigned_reason": None}
    if not stop.in_progress:  # a technician early for a window leaves later: ETA = start
        fields["planned_eta"] = fields["planned_start"]
    return fields


def _drop(ticket: Row[Any], reason: str, version: int) -> dict[str, Any]:
    """The plan fields of an unplanned ticket (an assigned one is taken off its technician,
    so its plan times go too)."""
    fields: dict[str, Any] = {"unassigned_reason": reason, "plan_version": version}
    if ticket.status in (Status.new, Status.assigned):
        fields.update(planned_eta=None, planned_start=None, planned_end=None,
                      predicted_late_s=None)
    return fields
