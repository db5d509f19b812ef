"""Earliest-start timing of job sequences, and the `Plan` read from them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optimizer.eligibility import (
    CAPACITY_REASON,
    NO_SOLUTION_REASON,
    Eligibility,
    drop_penalties,
)
from optimizer.params import SolveParams
from optimizer.plan import Objective, Plan, Route, Stop, Unassigned
from optimizer.snapshot import Job, Snapshot, Tech

if TYPE_CHECKING:
    from optimizer.model import BuiltModel


def visit(now: int, where: int, job: Job, travel: np.ndarray) -> tuple[int, int, int, int]:
    """(travel, arrival, start, end) of a job reached from `where`, leaving at `now`.

    Service starts on arrival, or at the window start if the technician is early.
    """
    leg = int(travel[where, job.location])
    arrival = now + leg
    start = max(arrival, job.window[0]) if job.window else arrival
    return leg, arrival, start, start + job.service


def timed_route(tech: Tech, jobs: list[Job], travel: np.ndarray) -> Route:
    """A technician's route with earliest-start times; lateness is counted at service start."""
    stops = [_in_progress(tech)] if tech.current_job else []
    now, where = tech.available_at, tech.location
    for job in jobs:
        leg, arrival, start, end = visit(now, where, job, travel)
        late = max(0, start - job.due) if job.due is not None else 0
        stops.append(Stop(job.id, arrival, start, end, late, leg))
        now, where = end, job.location
    return Route(tech.id, tuple(stops), now, max(0, now - tech.shift_end))


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
    return assemble(snapshot, params, sequences, built.eligible,
                    solution.ObjectiveValue(), status, warm, solve_ms)


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
    """
    routes = tuple(
        timed_route(tech, [snapshot.jobs[j] for j in seq], snapshot.travel)
        for tech, seq in zip(snapshot.techs, sequences, strict=True)
    )
    assigned = {j for seq in sequences for j in seq}
    dropped = [j for j in range(len(snapshot.jobs)) if j not in assigned]
    unassigned = tuple(
        Unassigned(snapshot.jobs[j].id, eligible[j].reason or CAPACITY_REASON) for j in dropped
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
