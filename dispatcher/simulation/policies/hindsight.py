"""One offline solve of the whole day known in advance: a reference no dispatcher can reach.

The optimizer sees every ticket of the day with its report time as the earliest arrival (a
hard window), its actual service time, and which tickets will be cancelled; technicians then
follow that one plan in order through the simulated day (actual travel times still vary).

`hindsight` weighs what the engine weighs (travel, lateness by urgency, and the residents'
waiting, `DISPATCH_FLOW_WEIGHT`): the bound of the engine's own trade-off. `hindsight-travel`
leaves the waiting out: every routine ticket may wait for the day's best batch, so its travel
is lower still, at the price of residents waiting hours for work a technician could do now.

A crew ticket (a fire alarm: fire + general) is given to the optimizer as the engine gives it:
one job per member, synchronised (`Job.crew`, the SLA policy's tolerance); each member then
follows his route to it, and the world starts the work when the last one is there.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from dispatcher.config import Settings
from dispatcher.enums import Skill
from dispatcher.simulation.stream import SimTicket
from dispatcher.simulation.world import Order, Phase, SimTech, World, shift_intervals
from dispatcher.sla.policy import SlaPolicy, load_policy
from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.crews import SEPARATOR, member_id, ticket_of

# Deterministic: a first solution improved by greedy descent to a local optimum; the time
# limit is only a safety cap, so ruin and recreate (which searches until it) stays off, and
# the full operator set keeps this bound what it was.
OFFLINE = SolveParams(time_budget_ms=2_400_000, metaheuristic="GREEDY_DESCENT",
                      lean_operators=False, ruin_recreate=False)


class HindsightPolicy:
    """Solves the day once at the start; each technician works through his route in order."""

    name = "hindsight"
    note = "offline bound: the whole day known in advance"

    def __init__(self, params: SolveParams = OFFLINE, *, waiting: bool = True) -> None:
        if waiting:
            params = replace(params, flow_weight=Settings().flow_weight)
        else:
            self.name, self.note = "hindsight-travel", self.note + ", residents' waiting free"
        self.params = params
        self.replan_ms: list[float] = []
        self.churn = 0
        self.routes: dict[int, list[tuple[int, int]]] = {}  # tech -> (ticket, member) stops
        self.unassigned: list[tuple[int, int]] = []

    def bind(self, world: World) -> None:
        self.world = world
        snapshot = self.snapshot()
        began = time.perf_counter()
        plan = solve(snapshot, self.params)
        self.replan_ms.append((time.perf_counter() - began) * 1000)
        if plan.status == "timeout":  # a loaded machine: not the local optimum, a weaker bound
            self.note += "; stopped at its safety cap before a local optimum (rerun unloaded)"
        self.routes = {int(r.tech_id): [_stop(s.job_id) for s in r.stops] for r in plan.routes}
        self.unassigned = [_stop(u.job_id) for u in plan.unassigned]

    def snapshot(self) -> Snapshot:
        """Every technician and every ticket of the day, times from the day's start."""
        w = self.world
        t0, end = w.scenario.begins, w.scenario.ends
        points: list[tuple[float, float]] = []
        techs = []
        for tech in w.techs:
            shifts = shift_intervals(tech.spec, w.scenario)
            if shifts:
                a, b = shifts[0]
                techs.append(Tech(str(tech.id), frozenset(s.value for s in tech.spec.skills),
                                  len(points), _rel(a, t0), _rel(b, t0)))
                points.append(tech.spec.home)
        sla = load_policy()
        jobs = []
        for t in w.tickets.values():
            if t.cancel_at is None:
                jobs += _crew(_job(t, len(points), t0, end, sla), w.crews[t.id], t, sla)
                points += [t.point] * len(w.crews[t.id])
        travel = w.travel.matrix(np.array(points))
        return Snapshot(tuple(techs), tuple(jobs), travel)

    def notify(self, kind: str, ticket: SimTicket | None, tech: SimTech | None) -> None:
        pass

    def decide(self) -> list[Order]:
        orders = []
        for tech in self.world.techs:
            route = self.routes.get(tech.id)
            if tech.phase is Phase.idle and route and self._ready(tech, route[0][0]):
                orders.append(Order(tech.id, *route.pop(0)))
        return orders

    def _ready(self, tech: SimTech, tid: int) -> bool:
        ticket = self.world.tickets[tid]
        travel = timedelta(seconds=self.world.seconds(tech.position, ticket.point))
        leave = ticket.reported_at
        if ticket.window is not None:
            leave = max(leave, ticket.window[0] - travel)
        if leave > self.world.now:
            self.world.wake(leave)
            return False
        return True

    def close(self) -> None:
        pass


def _rel(at: datetime, t0: datetime) -> int:
    return int((at - t0).total_seconds())


def _stop(job_id: str) -> tuple[int, int]:
    """(ticket, member) of a job id: ``17`` -> (17, 1), ``17#2`` -> (17, 2)."""
    ticket = ticket_of(job_id)
    return int(ticket), int(job_id.rsplit(SEPARATOR, 1)[1]) if job_id != ticket else 1


def _crew(job: Job, skills: tuple[Skill, ...], t: SimTicket, sla: SlaPolicy) -> list[Job]:
    """The ticket's job, or for a crew one synchronised job per member (each at its own
    point of the same place), as the engine's snapshot gives them."""
    if len(skills) == 1:
        return [job]
    tolerance = sla.level(t.urgency, t.category).crew_tolerance_s
    return [replace(job, id=member_id(job.id, k), skill=skill.value, location=job.location + k - 1,
                    crew=job.id, crew_tolerance=tolerance)
            for k, skill in enumerate(skills, start=1)]


def _job(t: SimTicket, location: int, t0: datetime, end: datetime, sla: SlaPolicy) -> Job:
    release, last = _rel(t.reported_at, t0), _rel(end, t0) + 6 * 3600
    window = (release, last)
    if t.window is not None:
        window = (max(release, _rel(t.window[0], t0)), _rel(t.window[1], t0))
    dues = [_rel(t.arrive_by, t0)] if t.arrive_by is not None else []
    if t.resolve_by is not None:
        dues.append(_rel(t.resolve_by, t0) - t.actual_service_s)
    return Job(str(t.id), location, t.skill.value, t.actual_service_s, t.urgency.value,
               due=max(0, min(dues)) if dues else None,
               late_weight=sla.level(t.urgency, t.category).late_weight or 1, window=window)
