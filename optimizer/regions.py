"""Whole-city solves by regions: cut, solve the parts in parallel processes, stitch, repair.

At 200 technicians / 2,000 jobs the routing model's local search stalls for tens of seconds
on one neighbourhood scan from a good start; parts of ~50 technicians stay in the size
where it honours its time limit.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Executor

import numpy as np

from optimizer.construct import place, seeded
from optimizer.crew_place import place_crews
from optimizer.eligibility import Eligibility
from optimizer.insert import make_way, relocate_late
from optimizer.lns import NEIGHBOURS, disjoint_parts
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.polish import POLISH_FROM, polish
from optimizer.replan import explained, repair
from optimizer.routes import RouteState, Tables, tables
from optimizer.schedule import assemble
from optimizer.snapshot import Snapshot
from optimizer.split import Routes, construct_part, cut, honour_positions, regions, solve_part

REGION_TECHS = 50
SLICE_MS = 150  # search budget of one neighbourhood
WHOLE_SHARE = 0.3  # of a polished full solve's budget, the whole model's search


def solve_regions(snapshot: Snapshot, params: SolveParams, pool: Executor | None = None,
                  size: int = REGION_TECHS, warm: Routes | None = None,
                  passes: int | None = None) -> Plan:
    """Plan a large snapshot within about `params.time_budget_ms`: a first plan, then
    neighbourhoods of nearby technicians re-optimized in parallel until the time is up.

    Parameters
    ----------
    snapshot : the whole city.
    params : solver settings; `time_budget_ms` bounds the whole call (the first plan may
        overrun it on a very large city).
    pool : processes to solve parts in (None: one after the other, here).
    size : technicians per region when the first plan is built region by region (cities
        of more than 4 regions); smaller cities get the global construction.
    warm : routes to start from instead of a first plan.
    passes : end the improvement after this many passes over the technicians (each part
        searched with `params` as given) instead of at the time budget.
    """
    began = time.perf_counter()
    deadline = began + params.time_budget_ms / 1000.0
    t = tables(snapshot, params)
    if warm:  # what no longer fits taken off, started jobs first, then every job inserted
        start = repair(dataclasses.replace(snapshot, warm_start=warm), params, t)
    elif len(snapshot.techs) > 4 * size:
        start = _by_regions(snapshot, params, t, pool, size)
    else:
        start = constructed(snapshot, params)
    routes = improve(snapshot, params, repaired(snapshot, t, start), pool, deadline,
                     passes=passes)
    return make_way(snapshot, _plan(snapshot, params, routes, bool(warm), began), params)


def _plan(snapshot: Snapshot, params: SolveParams, state: RouteState, warm: bool,
          began: float) -> Plan:
    """The timed plan; reasons are worked out for the unassigned jobs only."""
    routes, _ = honour_positions(snapshot, params, _routes_of(snapshot, state))
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    sequences = [[index[x] for x in routes.get(tech.id, ())] for tech in snapshot.techs]
    placed = {j for seq in sequences for j in seq}
    dropped = [j for j in range(len(snapshot.jobs)) if j not in placed]
    reasons = {u.job_id: u.reason for u in explained(snapshot, params, dropped)}
    eligible = tuple(Eligibility((), reasons.get(job.id)) for job in snapshot.jobs)
    ms = (time.perf_counter() - began) * 1000.0
    return assemble(snapshot, params, sequences, eligible, None, "regions", warm, ms)


def solve_filled(snapshot: Snapshot, params: SolveParams, pool: Executor | None = None
                 ) -> Plan:
    """A full solve: the live engine's for a region, and the benchmarks'.

    One routing model of the whole snapshot: from the previous routes with the new work
    inserted before the search (`seeded`), or with none, from the model's own first solution
    and ruin and recreate. What the search leaves out that fits is inserted after it
    (`fill`). From `POLISH_FROM` jobs (with `params.polish`) the model searches for
    `WHOLE_SHARE` of the budget and the rest polishes the plan part by part
    (`optimizer.polish`, in `pool` when given).
    """
    from optimizer.model import solve  # the model builds on this package's modules

    began = time.perf_counter()
    big = params.polish and len(snapshot.jobs) >= POLISH_FROM and len(snapshot.techs) > 1
    share = max(1, int(params.time_budget_ms * WHOLE_SHARE)) if big else params.time_budget_ms
    start = seeded(snapshot, params) if snapshot.warm_start else snapshot
    plan = fill(start, params, solve(start, dataclasses.replace(params, time_budget_ms=share)))
    if not big:
        return plan
    deadline = began + params.time_budget_ms / 1000.0
    routes = polish(snapshot, params, plan.sequences(), deadline, pool)
    state = repaired(snapshot, tables(snapshot, params), routes, retry=False)
    polished = _plan(snapshot, params, state, plan.warm_started, began)
    return fill(start, params, dataclasses.replace(polished, status=plan.status))


def fill(snapshot: Snapshot, params: SolveParams, plan: Plan) -> Plan:
    """`plan` with every job it left out that still fits inserted at its cheapest feasible
    place, most urgent first. A search cut short by its budget then leaves no placeable work
    unassigned, and what stays unassigned has its true reason ("capacity" only when no
    qualified technician has the time). An emergency left out first displaces lower-priority
    work (`make_way`); what made way is placed elsewhere here if it fits."""
    if not plan.unassigned or not snapshot.techs:
        return plan
    plan = make_way(snapshot, plan, params)
    began = time.perf_counter()
    routes = {r.tech_id: tuple(s.job_id for s in r.stops) for r in plan.routes}
    state = repaired(snapshot, tables(snapshot, params), routes)
    if sum(len(seq) for seq in state.seq) == sum(len(r) for r in routes.values()):
        return plan
    filled = _plan(snapshot, params, state, plan.warm_started, began)
    return dataclasses.replace(filled, status=plan.status,
                               solve_ms=plan.solve_ms + filled.solve_ms)


def _by_regions(snapshot: Snapshot, params: SolveParams, t: Tables, pool: Executor | None,
                size: int) -> Routes:
    """Each region constructed in its own process."""
    parts = [cut(snapshot, techs, jobs, {}) for techs, jobs in regions(snapshot, t.allowed, size)]
    subs = [p.snapshot for p in parts]
    found = _run(pool, subs, [params] * len(subs), construct_part)
    return {k: v for r in found for k, v in r.items()}


def _run(pool: Executor | None, subs: list[Snapshot], params: list[SolveParams],
         task=solve_part) -> list[Routes]:
    if pool is None:
        return [task(s, p) for s, p in zip(subs, params, strict=True)]
    return list(pool.map(task, subs, params))


def improve(snapshot: Snapshot, params: SolveParams, state: RouteState,
            pool: Executor | None, deadline: float, neighbours: int = NEIGHBOURS,
            slice_ms: int = SLICE_MS, seed: int = 0, passes: int | None = None
            ) -> RouteState:
    """Large-neighbourhood search: re-solve groups of nearby routes, one group per worker
    at a time, from their current routes, until `deadline` (a `time.perf_counter()`) or,
    with `passes`, once every technician's group has been re-solved that many times (with
    a search that stops by itself, a result that does not depend on the machine's speed)."""
    rng = np.random.default_rng(seed)
    workers = getattr(pool, "_max_workers", 1) if pool is not None else 1
    if passes is None:
        part_params = dataclasses.replace(params, time_budget_ms=slice_ms)
    else:
        part_params, deadline = params, float("inf")
    order = list(rng.permutation(len(snapshot.techs)))
    while time.perf_counter() + slice_ms / 1000.0 < deadline and order:
        routes = _routes_of(snapshot, state)
        parts = disjoint_parts(snapshot, routes, order, workers, neighbours)
        found = _run(pool, [p.snapshot for p in parts], [part_params] * len(parts))
        for local in found:
            routes.update(local)
        state = repaired(snapshot, state.t, routes, retry=False)
        relocate_late(state)
        if not order:
            passes = None if passes is None else passes - 1
            if passes == 0:
                break
            order = list(rng.permutation(len(snapshot.techs)))
    return state


def _routes_of(snapshot: Snapshot, state: RouteState) -> Routes:
    return {tech.id: tuple(snapshot.jobs[j].id for j in seq)
            for tech, seq in zip(snapshot.techs, state.seq, strict=True)}


def constructed(snapshot: Snapshot, params: SolveParams) -> Routes:
    """The fast construction over the whole snapshot, as routes."""
    return seeded(dataclasses.replace(snapshot, warm_start={}), params).warm_start


def _with_routed(jobs: list[int], techs: list[int], routes: Routes,
                 snapshot: Snapshot) -> list[int]:
    """A region's jobs: those its technicians' routes hold, plus the unrouted ones given to
    it; routed jobs of other regions stay with their technician."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    routed = {index[x] for r in routes.values() for x in r if x in index}
    own = [index[x] for v in techs for x in routes.get(snapshot.techs[v].id, ()) if x in index]
    return sorted(set(own) | {j for j in jobs if j not in routed})


def repaired(snapshot: Snapshot, t: Tables, routes: Routes, retry: bool = True
             ) -> RouteState:
    """Routes as a state (crews that are not whole taken off); with `retry`, every job
    left out is tried once more across the whole city (all its allowed routes), crews
    first, then the most urgent first."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    sequences = [[index[x] for x in routes.get(tech.id, ()) if x in index]
                 for tech in snapshot.techs]
    state = RouteState(t, sequences)
    placed = {j for seq in sequences for j in seq}
    if not retry:
        return state
    place_crews(state)
    for j in np.argsort(-t.weight, kind="stable"):  # most urgent first
        if int(j) not in placed and t.allowed[j].any():
            place(state, int(j))
    return state
