"""Turn the stored state at one instant into the optimizer's `Snapshot`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.config import Settings
from dispatcher.crews import service as crews
from dispatcher.enums import OPEN_STATUSES, Category, Skill, Status, Urgency
from dispatcher.overrides import service as overrides
from dispatcher.planning.areas import with_home_areas
from dispatcher.planning.fairness import with_fair_shares
from dispatcher.planning.held import held_off, later
from dispatcher.planning.links import (
    FREE,
    WEEK,
    After,
    after_first,
    first_visits,
)
from dispatcher.planning.models import PlanVersion
from dispatcher.planning.room import Room, travel_room
from dispatcher.sites.models import DEFAULT_REGION
from dispatcher.sla.policy import SlaPolicy
from dispatcher.technicians import service as technicians
from dispatcher.technicians.models import Technician
from dispatcher.technicians.shifts import current_shift, next_shift
from dispatcher.tickets import rework
from dispatcher.tickets.models import Ticket
from dispatcher.travel import TravelTimes
from optimizer import Job, Snapshot, Tech
from optimizer.crews import member_id

# A window opening later than this is not today's work: such tickets (preventive visits made
# days ahead) stay out of the model instead of being dropped with a misleading reason.


@dataclass
class Points:
    """Coordinates collected while building, in matrix order."""

    coords: list[tuple[float, float]] = field(default_factory=list)

    def add(self, lat: float, lon: float) -> int:
        self.coords.append((lat, lon))
        return len(self.coords) - 1


def seconds_between(now: datetime, then: datetime) -> int:
    """Whole seconds from `now` to `then` (negative if `then` is past)."""
    return int((then - now).total_seconds())


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """What a snapshot reads of an open ticket: a row, not an ORM object (at 2,000 open
    tickets, loading objects was half of every snapshot)."""

    id: int
    status: Status
    technician_id: int | None
    urgency: Urgency
    category: Category
    skill: Skill
    lat: float
    lon: float
    service_minutes: int
    reported_at: datetime
    arrive_by: datetime | None
    resolve_by: datetime | None
    on_site_at: datetime | None
    work_started_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    crew_size: int
    site_id: str | None
    follows_id: int | None
    follows_delay_min: int
    follows_same_technician: bool
    member: int = 1  # not a column: which member of a crew this view of the ticket is

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if self.window_start is None or self.window_end is None:
            return None
        return (self.window_start, self.window_end)


_OPEN_COLUMNS = tuple(getattr(Ticket, f.name) for f in dataclasses.fields(OpenTicket)
                      if f.name != "member")
AnyTicket = Ticket | OpenTicket


def open_tickets(session: Session, region: str) -> list[OpenTicket]:
    """A region's open tickets, oldest first."""
    query = select(*_OPEN_COLUMNS).where(Ticket.status.in_(OPEN_STATUSES),
                                         Ticket.region == region).order_by(Ticket.id)
    return [OpenTicket(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Built:
    """A snapshot with what it was made from: the instant and the matrix's coordinates."""

    snapshot: Snapshot
    now: datetime
    coords: tuple[tuple[float, float], ...]
    # Technicians on site at work an emergency may call them away from, not pinned there by a
    # dispatcher: technician -> (ticket id, at a booked appointment). Routine work qualifies
    # without an arrival deadline; an appointment's arrival is recorded and it has no other.
    interruptible: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # Open tickets kept off the routes, with the reason to show for each (see `held.held_off`).
    held: dict[int, str] = field(default_factory=dict)
    # The buffer `snapshot.travel` is the top-left corner of, with room for new tickets.
    room: Room | None = field(default=None, compare=False, repr=False)
    # Home areas of the technicians on shift (id -> area as stored), for new tickets too.
    areas: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def build(
    session: Session, *, now: datetime, settings: Settings, policy: SlaPolicy,
    travel: TravelTimes, region: str = DEFAULT_REGION,
) -> Snapshot:
    """A snapshot of a region: its technicians on shift (or with work in hand), its open tickets."""
    return build_with_points(session, now=now, settings=settings, policy=policy, travel=travel,
                             region=region).snapshot


def build_with_points(
    session: Session, *, now: datetime, settings: Settings, policy: SlaPolicy,
    travel: TravelTimes, region: str = DEFAULT_REGION, previous: Built | None = None,
) -> Built:
    """`build`, keeping the coordinates so that a new ticket can be added to it later; the
    travel times between points of a `previous` snapshot are taken from it."""
    points = Points()
    tickets = open_tickets(session, region)
    seats = _seats(session, tickets)
    everyone = [seat for seated in seats.values() for seat in seated[1:]] + tickets
    hands = {t.technician_id: t for t in everyone
             if t.status in (Status.en_route, Status.on_site) and t.technician_id is not None}
    planned = {t.technician_id for t in everyone
               if t.status in (Status.assigned, Status.accepted)}
    live = overrides.live(session, now=now)
    people = technicians.list_(session, region=region)
    techs = [_tech(t, hands.get(t.id), now, settings, points, t.id in live.locks,
                   t.id in planned) for t in people]
    techs = [t for t in techs if t is not None]
    areas = {str(t.id): t.home_area for t in people if t.home_area}
    present = {t.id for t in techs}
    avoid = rework.avoided_technicians(session, ticket_ids=[t.id for t in tickets])
    margin = settings.emergency_arrive_margin_pct
    jobs: list[Job] = []
    links = first_visits(session, tickets)
    afters = {t.id: after_first(t, links, now) for t in tickets if t.follows_id is not None}
    for t in tickets:
        after = afters.get(t.id, FREE)
        if t.id in live.held or later(t, now) or after.held:
            continue
        members = [(k, m) for k, m in enumerate(seats.get(t.id, [t]), start=1)
                   if m.status is not Status.on_site
                   and not (m.status is Status.en_route and str(m.technician_id) not in present)]
        jobs += _crew([_job(m, live if k == 1 else _seat_pin(live, t.id, k), now, policy,
                            points, avoid.get(t.id, ()), margin, after if k == 1 else FREE)
                       for k, m in members], [k for k, _ in members], t, policy)
    areas = {tech_id: area for tech_id, area in areas.items() if tech_id in present}
    jobs = with_home_areas(jobs, areas, points.coords, {t.id: t.site_id for t in tickets})
    if settings.fairness_weight > 0:
        techs = with_fair_shares(session, techs, jobs, now, settings.tz)
    room = travel_room(travel, points.coords,
                       None if previous is None else (previous.coords, previous.snapshot.travel))
    snapshot = Snapshot(techs=tuple(techs), jobs=tuple(jobs), travel=room.matrix,
                        warm_start=_previous_routes(session, region))
    interruptible = {str(t.technician_id): (str(t.id), t.window is not None)
                     for t in hands.values() if t.status is Status.on_site
                     and t.id not in live.pins and t.crew_size == 1 and _interruptible(t)}
    return Built(snapshot, now, tuple(points.coords), interruptible,
                 held_off(tickets, live, now, afters), room, areas)


_NO_OVERRIDES = overrides.Live({}, {}, {}, {})


def _seat_pin(live: overrides.Live, ticket_id: int, member: int) -> overrides.Live:
    """The overrides as partner place `member` of a crew ticket sees them: its own pin."""
    pinned = live.seats.get((ticket_id, member))
    if pinned is None:
        return _NO_OVERRIDES
    tech, position = pinned
    return overrides.Live({ticket_id: tech}, {} if position is None else {ticket_id: position},
                          {}, {})


def _seats(session: Session, tickets: Sequence[OpenTicket]) -> dict[int, list[OpenTicket]]:
    """Each open crew ticket as its members see it, its own technician first: the ticket
    with each partner's skill, technician, progress and arrival."""
    crew = {t.id: t for t in tickets if t.crew_size > 1}
    found = {}
    for ticket_id, rows in crews.partners(session, crew).items():
        t = crew[ticket_id]
        found[ticket_id] = [t, *(dataclasses.replace(
            t, skill=m.skill, technician_id=m.technician_id,
            status=m.status, member=m.member, on_site_at=m.on_site_at,
            work_started_at=m.on_site_at) for m in rows)]
    return found


def _crew(jobs: list[Job], members: list[int], ticket: AnyTicket, policy: SlaPolicy
          ) -> list[Job]:
    """The jobs of a ticket's members still to arrive: one job for one-person work; for a
    crew, one per member (``17``, ``17#2``...), synchronised while two or more are to come."""
    if ticket.crew_size <= 1:
        return jobs
    ids = [member_id(str(ticket.id), k) for k in members]
    together = ids[0] if len(ids) > 1 else None
    tolerance = policy.level(ticket.urgency, ticket.category).crew_tolerance_s
    return [dataclasses.replace(job, id=i, crew=together, crew_tolerance=tolerance)
            for job, i in zip(jobs, ids, strict=True)]


def _interruptible(ticket: AnyTicket) -> bool:
    """Work whose deadlines a call-away cannot break: routine without an arrival deadline,
    or a booked appointment (its arrival is kept, and it has no deadline to be fixed by)."""
    if ticket.urgency is Urgency.routine:
        return ticket.window is None and ticket.arrive_by is None
    return ticket.urgency is Urgency.scheduled and ticket.resolve_by is None


def with_tickets(built: Built, new: Sequence[Ticket], *, policy: SlaPolicy,
                 travel: TravelTimes, margin_pct: float = 0.0) -> Built:
    """`built` plus new tickets, their travel times computed against the known points only
    (the matrix is grown once for all of them: at 200 / 2,000 it is 35 MB)."""
    points = Points(list(built.coords))
    jobs = tuple(with_home_areas(
        [_job(t, overrides.Live({}, {}, {}, {}), built.now, policy, points,
              margin_pct=margin_pct) for t in new],
        built.areas, points.coords, {t.id: t.site_id for t in new}))
    n, m = len(built.coords), len(points.coords)
    room = built.room
    matrix = room.grown(built.snapshot.travel, m) if room is not None else None
    if matrix is None:
        room = Room(n)
        room.matrix[:] = built.snapshot.travel
        matrix = room.grown(room.matrix, m)
    if matrix is None:  # more new points than the room has
        room, matrix = None, np.empty((m, m), dtype=np.int64)
        matrix[:n, :n] = built.snapshot.travel
    everything = np.array(points.coords)
    added = everything[n:]
    matrix[n:, :] = travel.between(added, everything)
    matrix[:n, n:] = travel.between(everything[:n], added)
    snapshot = dataclasses.replace(built.snapshot, jobs=(*built.snapshot.jobs, *jobs),
                                   travel=matrix)
    return Built(snapshot, built.now, tuple(points.coords), built.interruptible, built.held,
                 room, built.areas)


def regions(session: Session) -> list[str]:
    """Every region with a technician or an open ticket (the default one always)."""
    found = set(session.scalars(select(Technician.region).distinct()))
    found |= set(session.scalars(select(Ticket.region).where(Ticket.status.in_(OPEN_STATUSES))
                                 .distinct()))
    return sorted(found | {DEFAULT_REGION})


def _tech(tech: Technician, hand: AnyTicket | None, now: datetime, settings: Settings,
          points: Points, locked: bool, planned: bool = False) -> Tech | None:
    """The technician as the planner sees him, or None when he cannot take work.

    Off shift he stays while he has work in hand, or tickets the last plan gave him in his
    overtime allowance (so the next plan does not take them away from him at his shift end);
    his shift end is then in the past, so his overtime counts from it, not from now.
    """
    shift = current_shift(tech.shift_start, tech.shift_end, now, settings.tz)
    if shift is not None:
        shift_end = seconds_between(now, shift[1])
    else:
        ended = _last_shift_end(tech, now, settings.tz)
        shift_end = seconds_between(now, ended) if ended is not None else 0
        overtime_left = shift_end + settings.max_overtime_min * 60 > 0
        if hand is None and not (planned and overtime_left):
            return _upcoming(tech, now, settings, points, locked)
    if hand is not None and hand.status is Status.on_site:
        done = hand.work_started_at or hand.on_site_at or now
        remaining = seconds_between(now, done) + hand.service_minutes * 60
        return Tech(id=str(tech.id), skills=frozenset(tech.skills),
                    location=points.add(hand.lat, hand.lon), available_at=max(0, remaining),
                    shift_end=shift_end, locked=locked,
                    current_job=member_id(str(hand.id), getattr(hand, "member", 1)))
    lat, lon = tech.position
    return Tech(id=str(tech.id), skills=frozenset(tech.skills), location=points.add(lat, lon),
                available_at=0, shift_end=shift_end, locked=locked)


def _upcoming(tech: Technician, now: datetime, settings: Settings, points: Points,
              locked: bool) -> Tech | None:
    """A technician off shift whose next shift starts within `plan_shift_ahead_min`: free
    from its start, where he is now; None otherwise."""
    begins, ends = next_shift(tech.shift_start, tech.shift_end, now, settings.tz)
    if begins - now > timedelta(minutes=settings.plan_shift_ahead_min):
        return None
    lat, lon = tech.position
    return Tech(id=str(tech.id), skills=frozenset(tech.skills), location=points.add(lat, lon),
                available_at=seconds_between(now, begins), shift_end=seconds_between(now, ends),
                locked=locked)


def _last_shift_end(tech: Technician, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When his latest shift that ended before `now` ended (within the last two days)."""
    start, end = tech.shift_start, tech.shift_end
    local = now.astimezone(tz)
    ends = []
    for days in (0, 1, 2):
        begins = datetime.combine(local.date() - timedelta(days=days), start, tzinfo=tz)
        finish = datetime.combine(begins.date(), end, tzinfo=tz)
        if finish <= begins:  # a night shift, or on call around the clock
            finish += timedelta(days=1)
        if finish <= local:
            ends.append(finish)
    return max(ends) if ends else None


def _job(ticket: AnyTicket, live: overrides.Live, now: datetime, policy: SlaPolicy,
         points: Points, avoid: tuple[str, ...] = (), margin_pct: float = 0.0,
         after: After = FREE) -> Job:
    service = ticket.service_minutes * 60
    dues = []
    arrived = ticket.on_site_at is not None  # called away, or nobody home: arrival is kept
    if ticket.arrive_by is not None and not arrived:
        arrive = seconds_between(now, ticket.arrive_by)
        if ticket.urgency is Urgency.emergency:  # planned early: estimates run either way
            span = (ticket.arrive_by - ticket.reported_at).total_seconds()
            arrive -= int(margin_pct / 100 * max(0.0, span))
        dues.append(arrive)
    if ticket.resolve_by is not None:
        dues.append(seconds_between(now, ticket.resolve_by) - service)
    window = None
    if ticket.window is not None and not arrived:
        start, end = (seconds_between(now, w) for w in ticket.window)
        window = (max(0, start), end)
    if after.release is not None and after.release > now:  # a linked visit: not before
        release = seconds_between(now, after.release)
        window = (max(release, window[0]), window[1]) if window else (release, release + WEEK)
    committed = ticket.technician_id if ticket.status is Status.accepted else None
    started = ticket.technician_id if ticket.status is Status.en_route else None
    pin = live.pins.get(ticket.id)
    pinned = pin if pin is not None else committed if committed is not None \
        else after.technician
    planned = ticket.technician_id if ticket.status is Status.assigned else None
    return Job(
        id=str(ticket.id), location=points.add(ticket.lat, ticket.lon), skill=ticket.skill.value,
        service=service, urgency=ticket.urgency.value,
        due=max(0, min(dues)) if dues else None,
        late_weight=policy.level(ticket.urgency, ticket.category).late_weight or 1,
        window=window, pinned_to=None if pinned is None else str(pinned),
        started_by=None if started is None else str(started),
        position=live.positions.get(ticket.id) if pin is not None else None,
        assigned_to=None if planned is None else str(planned), avoid_techs=avoid,
    )


def _previous_routes(session: Session, region: str) -> dict[str, tuple[str, ...]]:
    # LIMIT 1: `.first()` alone makes the ORM load every stored version of the day.
    latest = session.scalars(select(PlanVersion).where(PlanVersion.region == region)
                             .order_by(PlanVersion.version.desc()).limit(1)).first()
    if latest is None:
        return {}
    return {str(r["technician_id"]): tuple(member_id(str(s["ticket_id"]), s.get("member", 1))
                                           for s in r["stops"] if not s.get("in_progress"))
            for r in latest.routes}
