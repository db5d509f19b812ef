"""The discrete-event simulation of one day: tickets arrive, technicians drive, work and finish.

The world holds the truth (where everyone is, how long things really take); a `Policy` sees
only what happened so far and answers one question at each decision point: which idle
technician sets off to which ticket now. Events within one debounce window (200 ms of
simulated time) are handled together, then one decision, as the server's worker coalesces.

A crew ticket (the SLA policy's `crew`, e.g. a fire alarm: fire + general) needs each member
sent, member 1 its own technician; work starts when the last is there, and frees them all.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

import numpy as np

from dispatcher.clock import ManualClock
from dispatcher.crews import service as crews
from dispatcher.enums import Skill
from dispatcher.simulation.scenario import Scenario, TechSpec
from dispatcher.simulation.stream import SimTicket
from dispatcher.sla.policy import SlaPolicy, load_policy
from dispatcher.technicians.shifts import current_shift


def shift_intervals(spec: TechSpec, scenario: Scenario) -> list[tuple[datetime, datetime]]:
    """The technician's shifts overlapping the simulated day, clipped to it."""
    start, end = spec.shift
    length = datetime.combine(scenario.day, end) - datetime.combine(scenario.day, start)
    if length <= timedelta(0):
        length += timedelta(days=1)
    out = []
    for offset in (-1, 0, 1):
        begins = datetime.combine(scenario.day + timedelta(days=offset), start,
                                  tzinfo=scenario.tz)
        a, b = max(begins, scenario.begins), min(begins + length, scenario.ends)
        if a < b:
            out.append((a, b))
    return out

GPS_EVERY = timedelta(seconds=30)
DEBOUNCE = timedelta(milliseconds=200)


class Phase(StrEnum):
    idle = "idle"
    driving = "driving"
    working = "working"  # on site (including waiting at the door for a window to open)


class Fate(StrEnum):
    open = "open"
    en_route = "en_route"
    on_site = "on_site"
    completed = "completed"
    cancelled = "cancelled"


@dataclass
class SimTech:
    """A technician as he really is: where, doing what, since when."""

    id: int
    spec: TechSpec
    position: tuple[float, float]
    phase: Phase = Phase.idle
    ticket: int | None = None
    trip: Trip | None = None
    busy_s: float = 0.0  # driving and working
    worked_s: float = 0.0  # working on site: his share of the day's work
    work: int = 0  # the seq of his current stint on site: a stint cut short is recognised by it
    member: int = 1  # which member of his ticket's crew he is (1: the ticket's own)


@dataclass
class Trip:
    origin: tuple[float, float]
    target: tuple[float, float]
    left_at: datetime
    arrives_at: datetime
    metres: float
    seq: int = 0  # events of a trip cut short (a turn-around) are recognised by it


@dataclass
class Member:
    """A crew partner (member 2..N) of a ticket: who went, when he set off and arrived."""

    tech: int
    set_off_at: datetime
    on_site_at: datetime | None = None


@dataclass
class Outcome:
    """What happened to one ticket (`tech`, `set_off_at`, `on_site_at`: its own technician's)."""

    fate: Fate = Fate.open
    reported: bool = False
    tech: int | None = None
    set_off_at: datetime | None = None
    on_site_at: datetime | None = None  # his first arrival
    work_from: datetime | None = None  # when the work now under way began (the last arrival)
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    partners: dict[int, Member] = field(default_factory=dict)  # crew member -> who went


class Order(NamedTuple):
    """A decision: technician `tech` sets off to `ticket` as member `member` of its crew."""

    tech: int
    ticket: int
    member: int = 1


class Policy(Protocol):
    """A dispatch policy under test. It sees events as they happen, never the future."""

    name: str

    def bind(self, world: World) -> None: ...
    def notify(self, kind: str, ticket: SimTicket | None, tech: SimTech | None) -> None: ...
    def decide(self) -> list[tuple[int, int]] | list[Order]: ...
    def close(self) -> None: ...


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    ticket: int | None = field(default=None, compare=False)
    tech: int | None = field(default=None, compare=False)
    trip: int | None = field(default=None, compare=False)


class World:
    """One simulated day under one policy."""

    def __init__(self, scenario: Scenario, tickets: list[SimTicket], *, seed: int,
                 sla: SlaPolicy | None = None) -> None:
        self.scenario = scenario
        self.tickets = {t.id: t for t in tickets}
        sla = sla or load_policy()  # the engine's own, whose `crew` says who a ticket needs
        # Each ticket's members' skills, its own first (`team` reads urgency, category, skill).
        self.crews: dict[int, tuple[Skill, ...]] = {
            t.id: tuple(crews.team(sla, t, None)) for t in tickets}  # type: ignore[arg-type]
        self.outcomes = {t.id: Outcome() for t in tickets}
        self.travel = scenario.travel.model()
        self.gps = not scenario.travel.is_matrix  # a matrix knows only its named points
        self.clock = ManualClock(scenario.begins)
        self.techs = [SimTech(i, spec, spec.home) for i, spec in enumerate(scenario.technicians)]
        self.seed = seed
        self.metres = 0.0
        self.trips: list[tuple[int, int, float]] = []  # (technician, ticket, metres) each leg
        self.diversions = 0  # trips cut short for an emergency
        self.interruptions = 0  # work on site left for an emergency
        self._left_s: dict[int, float] = {}  # interrupted tickets: seconds of work still to do
        self.decisions = 0
        self._queue: list[_Event] = []
        self._seq = 0

    # -- what a policy may ask ------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.clock.now()

    def on_shift(self, tech: SimTech, at: datetime | None = None) -> bool:
        start, end = tech.spec.shift
        return current_shift(start, end, at or self.now, self.scenario.tz) is not None

    def idle_techs(self) -> list[SimTech]:
        """Technicians on shift with nothing in hand."""
        return [t for t in self.techs if t.phase is Phase.idle and self.on_shift(t)]

    def needs(self, ticket_id: int) -> list[int]:
        """The members of a reported, open ticket nobody has set off for yet (1: its own)."""
        o = self.outcomes[ticket_id]
        if not o.reported or o.fate in (Fate.completed, Fate.cancelled):
            return []
        return [k for k in range(1, len(self.crews[ticket_id]) + 1)
                if (o.fate is Fate.open if k == 1 else k not in o.partners)]

    def arrivals(self, ticket_id: int) -> list[datetime | None]:
        """Each member's first arrival on site, its own technician's first (None: not yet)."""
        o = self.outcomes[ticket_id]
        partners = [o.partners.get(k) for k in range(2, len(self.crews[ticket_id]) + 1)]
        return [o.on_site_at, *(m.on_site_at if m else None for m in partners)]

    def seconds(self, a: tuple[float, float], b: tuple[float, float]) -> int:
        """Estimated travel seconds from `a` to `b` (what a dispatcher would be told)."""
        return int(self.travel.matrix(np.array([a, b]))[0, 1])

    def wake(self, at: datetime) -> None:
        """Ask for a decision point at `at` (e.g. when a window comes within reach)."""
        if at > self.now:
            self._push(at, "wake")

    # -- running --------------------------------------------------------------------------------
    def run(self, policy: Policy, log: Callable[[str], None] | None = None) -> None:
        """Play the day to its end under `policy`; `log` hears of every simulated hour."""
        self._seed_events()
        policy.bind(self)
        hour = self.scenario.begins
        while self._queue and self._queue[0].at <= self.scenario.ends:
            first = heapq.heappop(self._queue)
            if log is not None and first.at >= hour + timedelta(hours=1):
                hour += timedelta(hours=(first.at - hour) // timedelta(hours=1))
                log(f"{policy.name}: {hour.astimezone(self.scenario.tz):%H:%M} simulated"
                    f"{_latency(policy)}")
            batch = [first]
            while self._queue and self._queue[0].at <= first.at + DEBOUNCE:
                batch.append(heapq.heappop(self._queue))
            for event in batch:
                self.clock.set(event.at)
                self._apply(event, policy)
            self.decisions += 1
            for order in policy.decide():
                self._set_off(Order(*order), policy)
        self.clock.set(self.scenario.ends)
        policy.close()

    def _seed_events(self) -> None:
        for t in self.tickets.values():
            self._push(t.reported_at, "report", ticket=t.id)
            if t.cancel_at is not None:
                self._push(t.cancel_at, "cancel", ticket=t.id)
        for tech in self.techs:
            self._push(self.scenario.begins, "shift", tech=tech.id)
            for interval in shift_intervals(tech.spec, self.scenario):
                for edge in interval:
                    if self.scenario.begins < edge <= self.scenario.ends:
                        self._push(edge, "shift", tech=tech.id)

    def _push(self, at: datetime, kind: str, *, ticket: int | None = None,
              tech: int | None = None, trip: int | None = None) -> None:
        self._seq += 1
        heapq.heappush(self._queue, _Event(at, self._seq, kind, ticket, tech, trip))

    def divert(self, tech_id: int) -> int:
        """Turn a driving technician round where he is now (his dispatcher needs him for an
        emergency): his ticket is open again, the undriven part of the leg is not travelled.
        Returns the ticket he gave up."""
        tech = self.techs[tech_id]
        if tech.phase is not Phase.driving or tech.trip is None or tech.member > 1:
            raise RuntimeError(f"technician {tech_id} ({tech.phase}) is not driving to his "
                               "own ticket")
        trip, ticket_id = tech.trip, tech.ticket
        span = (trip.arrives_at - trip.left_at).total_seconds()
        done = min(1.0, (self.now - trip.left_at).total_seconds() / max(span, 1.0))
        tech.position = (trip.origin[0] + (trip.target[0] - trip.origin[0]) * done,
                         trip.origin[1] + (trip.target[1] - trip.origin[1]) * done)
        tech.busy_s += (self.now - trip.left_at).total_seconds()
        self.metres -= trip.metres * (1 - done)
        tech.phase, tech.ticket, tech.trip = Phase.idle, None, None
        self._reopen(ticket_id)
        self.diversions += 1
        return ticket_id

    def interrupt(self, tech_id: int) -> int:
        """Call a technician away from the work he is doing (his dispatcher needs him for an
        emergency): he is free where he is, the ticket is open again with the work still to
        do. Returns the ticket he left."""
        tech = self.techs[tech_id]
        if tech.phase is not Phase.working or tech.ticket is None \
                or len(self.crews[tech.ticket]) > 1:
            raise RuntimeError(f"technician {tech_id} ({tech.phase}) is not at work (alone)")
        ticket_id = tech.ticket
        outcome = self.outcomes[ticket_id]
        worked = max(0.0, (self.now - outcome.work_from).total_seconds())
        self._left_s[ticket_id] = max(0.0, self._work_s(ticket_id) - worked)
        tech.busy_s, tech.worked_s = tech.busy_s + worked, tech.worked_s + worked
        tech.phase, tech.ticket = Phase.idle, None
        self._reopen(ticket_id)
        self.interruptions += 1
        return ticket_id

    def _reopen(self, ticket_id: int) -> None:
        """The ticket is open again for the policy; its first arrival stays the SLA's, and a
        crew's partners stay where they are."""
        old = self.outcomes[ticket_id]
        self.outcomes[ticket_id] = Outcome(reported=True, on_site_at=old.on_site_at,
                                           partners=old.partners)

    def _work_s(self, ticket_id: int) -> float:
        return self._left_s.get(ticket_id, self.tickets[ticket_id].actual_service_s)

    def _apply(self, e: _Event, policy: Policy) -> None:
        ticket = self.tickets.get(e.ticket) if e.ticket is not None else None
        tech = self.techs[e.tech] if e.tech is not None else None
        outcome = self.outcomes[e.ticket] if e.ticket is not None else None
        if e.kind == "report":
            outcome.reported = True
        elif e.kind == "cancel":
            if outcome.fate is not Fate.open or outcome.partners:
                return  # someone already set off: the resident lets him come
            outcome.fate, outcome.cancelled_at = Fate.cancelled, self.now
        elif e.kind in ("gps", "reach") and (tech.trip is None or tech.trip.seq != e.trip):
            return  # a trip cut short by a turn-around
        elif e.kind == "done" and (tech.phase is not Phase.working or tech.work != e.trip):
            return  # work cut short by an emergency
        elif e.kind == "gps":
            self._gps_fix(tech)
        elif e.kind == "reach":
            self._reach(tech, ticket, outcome)
        elif e.kind == "done":
            self._done(outcome)
        policy.notify(e.kind, ticket, tech)

    def _set_off(self, order: Order, policy: Policy) -> None:
        tech, ticket_id, member = self.techs[order.tech], order.ticket, order.member
        outcome = self.outcomes[ticket_id]
        ticket = self.tickets[ticket_id]
        if tech.phase is not Phase.idle or member not in self.needs(ticket_id):
            raise RuntimeError(f"policy sent technician {tech.id} ({tech.phase}) to ticket "
                               f"{ticket_id} ({outcome.fate}) as member {member}")
        skill = self.crews[ticket_id][member - 1]
        if skill.value not in {s.value for s in tech.spec.skills}:
            raise RuntimeError(f"technician {tech.id} lacks {skill} for {ticket_id}")
        seconds = self.seconds(tech.position, ticket.point) * self._noise(tech, ticket)
        metres = float(self.travel.distance_m(np.array([tech.position, ticket.point]))[0, 1]) \
            if seconds > 0 else 0.0
        now = self.now
        self._seq += 1
        tech.trip = Trip(tech.position, ticket.point, now, now + timedelta(seconds=seconds),
                         metres, seq=self._seq)
        tech.phase, tech.ticket, tech.member = Phase.driving, ticket_id, member
        if member == 1:
            outcome.fate, outcome.tech, outcome.set_off_at = Fate.en_route, tech.id, now
        else:
            outcome.partners[member] = Member(tech.id, now)
        self.metres += metres
        self.trips.append((tech.id, ticket_id, metres))
        policy.notify("set_off", ticket, tech)
        on_site = tech.trip.arrives_at
        if ticket.window is not None:
            on_site = max(on_site, ticket.window[0])  # early: he waits at the door
        self._push(on_site, "reach", ticket=ticket_id, tech=tech.id, trip=tech.trip.seq)
        if self.gps and now + GPS_EVERY < tech.trip.arrives_at:
            self._push(now + GPS_EVERY, "gps", ticket=ticket_id, tech=tech.id,
                       trip=tech.trip.seq)

    def _noise(self, tech: SimTech, ticket: SimTicket) -> float:
        """The actual/estimated ratio of this leg: the same leg costs the same in every policy."""
        u = random.Random(f"{self.seed}:{tech.spec.name}:{ticket.id}").uniform(-1, 1)
        return 1 + self.scenario.stream.travel_spread * u

    def _gps_fix(self, tech: SimTech) -> None:
        trip = tech.trip
        span = (trip.arrives_at - trip.left_at).total_seconds()
        done = min(1.0, (self.now - trip.left_at).total_seconds() / max(span, 1.0))
        tech.position = (trip.origin[0] + (trip.target[0] - trip.origin[0]) * done,
                         trip.origin[1] + (trip.target[1] - trip.origin[1]) * done)
        if self.now + GPS_EVERY < trip.arrives_at:
            self._push(self.now + GPS_EVERY, "gps", ticket=tech.ticket, tech=tech.id,
                       trip=trip.seq)

    def _reach(self, tech: SimTech, ticket: SimTicket, outcome: Outcome) -> None:
        tech.busy_s += (tech.trip.arrives_at - tech.trip.left_at).total_seconds()
        tech.position, tech.trip, tech.phase = ticket.point, None, Phase.working
        if tech.member > 1:
            outcome.partners[tech.member].on_site_at = self.now
        else:  # back at work he left for an emergency: the first arrival stays the SLA's
            outcome.fate = Fate.on_site
            outcome.on_site_at = outcome.on_site_at or self.now
        if outcome.fate is not Fate.on_site or None in self.arrivals(ticket.id)[1:]:
            return  # the crew is not all here: the work waits for the last member
        outcome.work_from = self.now
        self._seq += 1
        for member in self._crew_techs(outcome):
            member.work = self._seq
        self._push(self.now + timedelta(seconds=self._work_s(ticket.id)), "done",
                   ticket=ticket.id, tech=outcome.tech, trip=self._seq)

    def _done(self, outcome: Outcome) -> None:
        worked = (self.now - outcome.work_from).total_seconds()
        for tech in self._crew_techs(outcome):
            tech.busy_s, tech.worked_s = tech.busy_s + worked, tech.worked_s + worked
            tech.phase, tech.ticket, tech.member = Phase.idle, None, 1
        outcome.fate, outcome.completed_at = Fate.completed, self.now

    def _crew_techs(self, outcome: Outcome) -> list[SimTech]:
        """The ticket's own technician and its partners."""
        return [self.techs[outcome.tech], *(self.techs[m.tech] for m in outcome.partners.values())]


def _latency(policy: Policy) -> str:
    ms = sorted(getattr(policy, "replan_ms", []))
    if not ms:
        return ""
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f", {len(ms)} re-plans so far, p50 {ms[len(ms) // 2]:.0f} ms, p99 {p99:.0f} ms"
