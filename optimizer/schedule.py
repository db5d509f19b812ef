"""Earliest-start timing of job sequences, and the `Plan` read from them."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from optimizer.crews import crews_of, synchronised, tolerance, whole
from optimizer.eligibility import (
    NO_SOLUTION_REASON,
    Eligibility,
    default_reason,
    drop_penalties,
    route_cap,
)
from optimizer.params import SolveParams
from optimizer.plan import Objective, Plan, Route, Stop, Unassigned
from optimizer.snapshot import Job, Snapshot, Tech

if TYPE_CHECKING:
    from optimizer.model import BuiltModel


def visit(now: int, where: int, job: Job, travel: np.ndarray, ready: int | None = None
          ) -> tuple[int, int, int, int]:
    """(travel, arrival, start, end) of a job reached from `where`, leaving at `now` (or
    later, so as to arrive no earlier than `ready`: a crew member waiting for his partners).

    Service starts on arrival, or at the window start if the technician is early.
    """
    leg = int(travel[where, job.location])
    arrival = now + leg if ready is None else max(now + leg, ready)
    start = max(arrival, job.window[0]) if job.window else arrival
    return leg, arrival, start, start + job.service


def timed_route(tech: Tech, jobs: Sequence[Job], travel: np.ndarray,
                ready: Mapping[Hashable, int] | None = None) -> Route:
    """A technician's route with earliest-start times (no arrival before `ready[job id]`);
    lateness is counted at service start."""
    stops = [_in_progress(tech)] if tech.current_job else []
    now, where = tech.available_at, tech.location
    for job in jobs:
        wait = None if ready is None else ready.get(job.id)
        leg, arrival, start, end = visit(now, where, job, travel, wait)
        late = max(0, start - job.due) if job.due is not None else 0
        stops.append(Stop(job.id, arrival, start, end, late, leg))
        now, where = end, job.location
    return Route(tech.id, tuple(stops), now, max(0, now - tech.shift_end))


def timed_routes(techs: Sequence[Tech], routes: Sequence[Sequence[Job]], travel: np.ndarray
                 ) -> tuple[Route, ...] | None:
    """Every route with earliest-start times, each crew's members starting within its
    tolerance (`crews.synchronised`); None when crews cross so that no such timing exists."""
    jobs = [job for route in routes for job in route]
    groups = [[jobs[j].id for j in members] for members in crews_of(jobs).values()]
    if not groups:
        return tuple(timed_route(t, r, travel) for t, r in zip(techs, routes, strict=True))
    slack = [tolerance(jobs, members) for members in crews_of(jobs).values()]
    holders = [v for v, route in enumerate(routes) if any(j.crew for j in route)]

    def starts(ready: dict) -> dict:
        return {s.job_id: s.start for v in holders
                for s in timed_route(techs[v], routes[v], travel, ready).stops}

    found = synchronised(groups, slack, starts)
    if found is None:
        return None
    return tuple(timed_route(t, r, travel, found[0]) for t, r in zip(techs, routes, strict=True))


def synced_routes(snapshot: Snapshot, params: SolveParams, sequences: Sequence[Sequence[int]]
                  ) -> tuple[list[list[int]], tuple[Route, ...]]:
    """(sequences, timed routes) with every crew whole and synchronised: crews that are not
    (a member missing or twice on one technician, crews crossing, a wait pushing a stop past
    its window or the shift cap) are taken off. A solved model's routes lose nothing here;
    routes edited outside it may."""
    sequences = whole(list(crews_of(snapshot.jobs).values()), sequences)
    while True:
        routes = timed_routes(snapshot.techs, [[snapshot.jobs[j] for j in s] for s in sequences],
                              snapshot.travel)
        bad = _unsynced(snapshot, params, sequences, routes)
        if not bad:
            assert routes is not None  # no crews left to be unsynced
            return [list(s) for s in sequences], routes
        sequences = [[j for j in s if snapshot.jobs[j].crew not in bad] for s in sequences]


def _unsynced(snapshot: Snapshot, params: SolveParams, sequences: Sequence[Sequence[int]],
              routes: tuple[Route, ...] | None) -> set[str]:
    """Crews to take off: all of them when no timing exists, else those on a route that
    breaks a window or the cap."""
    crews = [{snapshot.jobs[j].crew for j in s} - {None} for s in sequences]
    if routes is None:
        return set().union(*crews)
    jobs = {job.id: job for job in snapshot.jobs}
    bad: set[str] = set()
    for tech, route, held in zip(snapshot.techs, routes, crews, strict=True):
        late = any(jobs[s.job_id].window and s.start > jobs[s.job_id].window[1]
                   for s in route.stops if not s.in_progress)
        if held and (late or route.end > route_cap(tech, params)):
            bad |= held
    return bad  # type: ignore[return-value]


def _in_progress(tech: Tech) -> Stop:
    return Stop(str(tech.current_job), 0, 0, tech.available_at, 0, 0, in_progress=True)


def read_plan(
    built: BuiltModel,
    snapshot: Snapshot,
    params: SolveParams,
    solution,
    status: str,
    warm: bool,
    solve_ms: float,
) -> Plan:
    """The `Plan` of a solved model (every job unassigned when there is no solution)."""
    if solution is None:
        eligible = tuple(Eligibility(e.vehicles, e.reason or NO_SOLUTION_REASON)
                         for e in built.eligible)
        return assemble(snapshot, params, [[] for _ in snapshot.techs], eligible,
                        None, status, warm, solve_ms)
    sequences = [_sequence(built, solution, v) for v in range(len(snapshot.techs))]
    plan = assemble(snapshot, params, sequences, built.eligible,
                    solution.ObjectiveValue(), status, warm, solve_ms)
    if not crews_of(snapshot.jobs) or plan.objective.total != solution.ObjectiveValue():
        return plan  # no crews, or one taken off (its total already re-counted)
    total = _synced_total(built, snapshot, solution, plan)
    return dataclasses.replace(plan, objective=dataclasses.replace(plan.objective, total=total))


def _synced_total(built: BuiltModel, snapshot: Snapshot, solution, plan: Plan) -> int:
    """The solver's objective with its time costs (lateness and overtime: soft upper bounds
    on time cumuls) counted at the read-back times instead: with crews, the solver may
    leave a member's cumul later than its partners need, the read-back does not."""
    routing, manager = built.routing, built.manager
    time_dim = routing.GetDimensionOrDie("time")
    index = {job.id: manager.NodeToIndex(j) for j, job in enumerate(snapshot.jobs)}
    jobs = {job.id: job for job in snapshot.jobs}
    points: list[tuple[int, int]] = []  # (routing index, read-back time)
    for v, (tech, route) in enumerate(zip(snapshot.techs, plan.routes, strict=True)):
        stops = [s for s in route.stops if not s.in_progress]
        points += [(index[s.job_id], s.start) for s in stops]
        last = jobs[stops[-1].job_id].location if stops else tech.location
        home = 0 if tech.end_location is None else int(snapshot.travel[last, tech.end_location])
        points.append((routing.End(v), route.end + home))
    ours = sum(_soft(time_dim, i, at) for i, at in points)
    theirs = sum(_soft(time_dim, i, solution.Min(time_dim.CumulVar(i))) for i, _ in points)
    return solution.ObjectiveValue() - theirs + ours


def _soft(time_dim, index: int, at: int) -> int:
    if not time_dim.HasCumulVarSoftUpperBound(index):
        return 0
    bound = time_dim.GetCumulVarSoftUpperBound(index)
    return time_dim.GetCumulVarSoftUpperBoundCoefficient(index) * max(0, at - bound)


def _sequence(built: BuiltModel, solution, vehicle: int) -> list[int]:
    routing, manager = built.routing, built.manager
    index, jobs = solution.Value(routing.NextVar(routing.Start(vehicle))), []
    while not routing.IsEnd(index):
        jobs.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return jobs


def empty_plan(
    snapshot: Snapshot, params: SolveParams, eligible: tuple[Eligibility, ...], solve_ms: float
) -> Plan:
    """The plan of a snapshot without jobs or without technicians."""
    sequences: list[list[int]] = [[] for _ in snapshot.techs]
    return assemble(snapshot, params, sequences, eligible, None, "empty", False, solve_ms)


def assemble(
    snapshot: Snapshot,
    params: SolveParams,
    sequences: list[list[int]],
    eligible: tuple[Eligibility, ...],
    total: int | None,
    status: str,
    warm: bool,
    solve_ms: float,
) -> Plan:
    """Time the routes, explain the dropped jobs and break the objective down.

    `total` is the solver's objective; None recomputes it from the parts and drop penalties.
    Crews that are not whole and synchronised are taken off (`synced_routes`).
    """
    kept, routes = synced_routes(snapshot, params, sequences)
    if total is not None and kept != [list(seq) for seq in sequences]:
        total = None  # a crew taken off: the solver's objective no longer applies
    assigned = {j for seq in kept for j in seq}
    dropped = [j for j in range(len(snapshot.jobs)) if j not in assigned]
    unassigned = tuple(
        Unassigned(snapshot.jobs[j].id, eligible[j].reason or default_reason(snapshot.jobs[j]))
        for j in dropped
    )
    objective = _objective(snapshot, params, routes, dropped, total)
    return Plan(routes, unassigned, objective, solve_ms, status, warm)


def _objective(snapshot, params, routes, dropped, total) -> Objective:
    weight = {job.id: job.late_weight for job in snapshot.jobs}
    stops = [s for r in routes for s in r.stops if not s.in_progress]
    travel = sum(s.travel for s in stops)
    lateness = sum(s.late * weight[s.job_id] for s in stops)
    overtime = sum(r.overtime for r in routes)
    if total is None:
        penalties = drop_penalties(snapshot, params)
        total = travel + lateness + params.overtime_weight * overtime
        total += sum(penalties[j] for j in dropped)
    late_seconds = sum(s.late for s in stops)
    return Objective(travel, lateness, late_seconds, overtime, len(dropped), total)
