"""One OR-Tools routing model per snapshot: build it, search it, read it into a `Plan`."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.arcs import model_arcs
from optimizer.construct import seeded
from optimizer.crews import add_crew_constraints, validate
from optimizer.eligibility import (
    Eligibility,
    drop_penalties,
    eligibilities,
    horizon,
    route_cap,
)
from optimizer.layout import Layout
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.schedule import empty_plan, read_plan
from optimizer.search import arc_scale, search_parameters, warm_search_parameters
from optimizer.snapshot import Snapshot
from optimizer.terms import add_dispatch_terms
from optimizer.warm import warm_routes

__all__ = [
    "BuiltModel", "SolveParams", "build_model", "objectives", "solve", "stop_when", "stopped",
]

# Asked by every search built while set: stop now, with the best plan found so far?
_STOP: ContextVar[Callable[[], bool] | None] = ContextVar("optimizer_stop", default=None)

_DEFAULTS = SolveParams()  # frozen, so safe to share as a default argument

_STATUS = {
    routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL: "optimal",
    routing_enums_pb2.RoutingSearchStatus.ROUTING_SUCCESS: "feasible",
    routing_enums_pb2.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED:
        "timeout",  # stopped by the time or solution limit before a local optimum
    routing_enums_pb2.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT: "timeout",
}


@dataclass(frozen=True)
class BuiltModel:
    """A closed routing model ready to search, with what is needed to read its solution."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    layout: Layout
    eligible: tuple[Eligibility, ...]
    params: SolveParams
    search: object  # RoutingSearchParameters
    monitors: tuple[object, ...] = ()  # kept alive as long as the model


@contextmanager
def stop_when(check: Callable[[], bool] | None) -> Iterator[None]:
    """Searches started inside end early, with their best plan so far, once `check()` holds
    (asked some 30,000 times a second, so keep it cheap): a re-planner stops a search made
    stale by new work instead of waiting out its budget. None: searches inside run their
    budget out (a short one, asked between searches instead)."""
    token = _STOP.set(check)
    try:
        yield
    finally:
        _STOP.reset(token)


def stopped() -> bool:
    """Whether the stop check set by `stop_when` (if any) holds now: loops of several
    searches end with it, not only the search in flight."""
    check = _STOP.get()
    return check is not None and check()


def solve(snapshot: Snapshot, params: SolveParams = _DEFAULTS) -> Plan:
    """Plan routes for a snapshot.

    Parameters
    ----------
    snapshot : technicians, jobs, travel matrix and an optional warm start.
    params : solver settings.

    Returns
    -------
    Plan
        Timed routes for every technician, unassigned jobs with reasons, the objective.
    """
    began = time.perf_counter()
    _validate(snapshot)
    eligible = eligibilities(snapshot, params)
    if not snapshot.jobs or not snapshot.techs:
        return empty_plan(snapshot, params, eligible, _ms_since(began))
    built = build_model(snapshot, params, eligible)
    if params.budget_includes_build:
        left = max(params.time_budget_ms // 5, params.time_budget_ms - int(_ms_since(began)))
        built.search.time_limit.FromMilliseconds(max(1, left))
    # The model's own first solutions insert one visit at a time and often leave a crew
    # out that fits (its members must go in together): crews start from a construction
    # that places them whole (`optimizer.crew_place`).
    crews = any(job.crew is not None for job in snapshot.jobs)
    solution, warm = _search(built, seeded(snapshot, params) if crews else snapshot)
    warm = warm and bool(snapshot.warm_start)
    # OR-Tools' ILS leaves the model's status unset even when it returns a solution.
    status = _STATUS.get(built.routing.status(),
                         "infeasible" if solution is None else "feasible")
    return read_plan(built, snapshot, params, solution, status, warm, _ms_since(began))


def objectives(snapshot: Snapshot, params: SolveParams, route_sets: list[dict[str, tuple[str, ...]]]
               ) -> list[tuple[int, int]]:
    """(jobs left out, objective) of each set of routes (technician id -> job ids), costed by
    one routing model of `snapshot` with every dispatch term, so that two plans compare
    exactly as the search compares them. Stops the model cannot restore are left out."""
    eligible = eligibilities(snapshot, params)
    if not snapshot.jobs or not snapshot.techs:
        return [(0, 0)] * len(route_sets)
    built = build_model(snapshot, dataclasses.replace(
        params, solution_limit=1, ruin_recreate=False, metaheuristic="GREEDY_DESCENT"), eligible)
    found = []
    for routes in route_sets:
        warm = dataclasses.replace(snapshot, warm_start=routes)
        indices = warm_routes(warm, built.params, eligible, built.manager)
        initial = built.routing.ReadAssignmentFromRoutes(indices, True) if indices else None
        solution = (built.routing.SolveFromAssignmentWithParameters(initial, built.search)
                    if initial is not None else None)
        if solution is None:
            found.append((len(snapshot.jobs), np.iinfo(np.int64).max))
            continue
        served = sum(len(r) for r in indices)
        found.append((len(snapshot.jobs) - served, int(solution.ObjectiveValue())))
    return found


def build_model(
    snapshot: Snapshot, params: SolveParams, eligible: tuple[Eligibility, ...] | None = None
) -> BuiltModel:
    """Build and close the routing model of a non-empty snapshot."""
    eligible = eligible if eligible is not None else eligibilities(snapshot, params)
    layout = Layout(len(snapshot.jobs), len(snapshot.techs))
    arcs = model_arcs(snapshot, layout)
    starts = [layout.start(v) for v in range(layout.n_techs)]
    manager = pywrapcp.RoutingIndexManager(
        arcs.n_nodes, layout.n_techs, starts, list(arcs.ends)
    )
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(arcs.cost.tolist()))
    time_dim = _add_time(routing, arcs.transit, horizon(snapshot, params))
    _constrain_techs(routing, time_dim, snapshot, params)
    _add_load(routing, snapshot, arcs.n_nodes)
    _constrain_jobs(routing, manager, time_dim, snapshot, eligible, params.due_margin)
    add_crew_constraints(routing, manager, time_dim, snapshot, eligible)
    add_dispatch_terms(routing, manager, snapshot, arcs.transit, params)
    penalties = drop_penalties(snapshot, params)
    for j, elig in enumerate(eligible):
        if elig.started is None or snapshot.jobs[j].crew is not None:
            routing.AddDisjunction([manager.NodeToIndex(j)], penalties[j])
    jobs = len(snapshot.jobs)
    scale = arc_scale(arcs.cost[:jobs, :jobs]) if params.ruin_recreate else 1.0
    search = search_parameters(params, scale)
    monitors: tuple[object, ...] = ()
    check = _STOP.get()
    if check is not None:
        monitors = (routing.solver().CustomLimit(check),)
        routing.AddSearchMonitor(monitors[0])
    routing.CloseModelWithParameters(search)
    return BuiltModel(manager, routing, layout, eligible, params, search, monitors)


def _add_time(routing: pywrapcp.RoutingModel, transit: np.ndarray, span: int):
    """Time dimension: waiting (slack) allowed anywhere, every cumul within [0, span]."""
    index = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(index, span, span, False, "time")
    return routing.GetDimensionOrDie("time")


def _add_load(routing: pywrapcp.RoutingModel, snapshot: Snapshot, n_nodes: int) -> None:
    """Capacity dimension, only when some technician has a capacity."""
    if all(t.capacity is None for t in snapshot.techs):
        return
    demand = [0] * n_nodes
    demand[: len(snapshot.jobs)] = [job.demand for job in snapshot.jobs]
    unbounded = sum(demand)
    caps = [unbounded if t.capacity is None else t.capacity for t in snapshot.techs]
    index = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(index, 0, caps, True, "load")


def _constrain_techs(routing, time_dim, snapshot: Snapshot, params: SolveParams) -> None:
    """Start at `available_at`; overtime past shift end is soft, capped at `max_overtime`."""
    for v, tech in enumerate(snapshot.techs):
        time_dim.CumulVar(routing.Start(v)).SetValue(tech.available_at)
        end = routing.End(v)
        time_dim.CumulVar(end).SetMax(route_cap(tech, params))
        time_dim.SetCumulVarSoftUpperBound(end, tech.shift_end, params.overtime_weight)


def _constrain_jobs(routing, manager, time_dim, snapshot: Snapshot, eligible,
                    margin: int = 0) -> None:
    """Allowed vehicles, started jobs first (a crew's: `add_crew_constraints`), hard windows
    and soft due dates (`margin` seconds early)."""
    for j, (job, elig) in enumerate(zip(snapshot.jobs, eligible, strict=True)):
        index = manager.NodeToIndex(j)
        # SetAllowedVehiclesForIndex raises in the 9.15 wrapper; -1 keeps the node droppable.
        routing.VehicleVar(index).SetValues([-1, *elig.vehicles])
        if not elig.vehicles:
            continue
        if elig.started is not None and job.crew is None:
            routing.NextVar(routing.Start(elig.started)).SetValue(index)
        if job.window is not None:
            time_dim.CumulVar(index).SetRange(max(0, job.window[0]), job.window[1])
        if job.due is not None:
            time_dim.SetCumulVarSoftUpperBound(index, job.due - margin, job.late_weight)


def _search(built: BuiltModel, snapshot: Snapshot):
    """Solve from the warm start when it can be restored, else cold; (solution, warm?)."""
    routing = built.routing
    routes = warm_routes(snapshot, built.params, built.eligible, built.manager)
    initial = routing.ReadAssignmentFromRoutes(routes, True) if routes else None
    if initial is not None:
        warm = warm_search_parameters(built.search, built.params)
        return routing.SolveFromAssignmentWithParameters(initial, warm), True
    if built.search.use_iterated_local_search:
        if _STOP.get() is not None:
            # ILS does not ask search monitors (OR-Tools 9.15), so it could not be stopped:
            # a stoppable cold solve searches with the metaheuristic.
            return routing.SolveWithParameters(
                warm_search_parameters(built.search, built.params)), False
        # The flag alone is ignored by SolveWithParameters; ILS has its own entry point.
        return routing.SolveWithIteratedLocalSearch(built.search), False
    return routing.SolveWithParameters(built.search), False


def _validate(snapshot: Snapshot) -> None:
    """Fail fast on a travel matrix that is not square or locations outside it."""
    shape = np.shape(snapshot.travel)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"Snapshot.travel must be a square matrix, got shape {shape}")
    places = [x.location for x in (*snapshot.techs, *snapshot.jobs)]
    places += [t.end_location for t in snapshot.techs if t.end_location is not None]
    if any(not 0 <= p < shape[0] for p in places):
        raise ValueError("a technician or job location is outside Snapshot.travel")
    if snapshot.cost is not None and np.shape(snapshot.cost) != shape:
        raise ValueError(f"Snapshot.cost must have the shape of travel {shape}, "
                         f"got {np.shape(snapshot.cost)}")
    if any(j.demand < 0 for j in snapshot.jobs) or any(
            t.capacity is not None and t.capacity < 0 for t in snapshot.techs):
        raise ValueError("Job.demand and Tech.capacity must be >= 0")
    validate(snapshot.jobs)


def _ms_since(began: float) -> float:
    return (time.perf_counter() - began) * 1000.0
