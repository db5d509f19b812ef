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
from optimizer.eligibility import drop_penalties, eligibilities
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.routes import RouteState, tables
from optimizer.schedule import assemble
from optimizer.snapshot import Snapshot
from optimizer.split import Routes, cut, regions, solve_part

REGION_TECHS = 50


def solve_regions(snapshot: Snapshot, params: SolveParams, pool: Executor | None = None,
                  size: int = REGION_TECHS, warm: Routes | None = None) -> Plan:
    """Plan a large snapshot region by region within `params.time_budget_ms` of search.

    Parameters
    ----------
    snapshot : the whole city.
    params : solver settings; the budget is shared out among the regions.
    pool : processes to solve regions in (None: one after the other, here).
    size : technicians per region.
    warm : routes to start from (None: the fast construction over the whole city); each
        region takes its technicians' routed jobs and the unrouted jobs nearest to it.
    """
    began = time.perf_counter()
    t = tables(snapshot, params)
    start = warm if warm else constructed(snapshot, params)
    parts = [cut(snapshot, techs, _with_routed(jobs, techs, start, snapshot), start)
             for techs, jobs in regions(snapshot, t.allowed, size)]
    workers = getattr(pool, "_max_workers", 1) if pool is not None else 1
    share = max(50, params.time_budget_ms * min(workers, len(parts)) // max(1, len(parts)))
    part_params = dataclasses.replace(params, time_budget_ms=share)
    subs = [p.snapshot for p in parts]
    if pool is None:
        found = [solve_part(s, part_params) for s in subs]
    else:
        found = list(pool.map(solve_part, subs, [part_params] * len(subs)))
    routes = {k: v for r in found for k, v in r.items()}
    state = repaired(snapshot, t, routes)
    ms = (time.perf_counter() - began) * 1000.0
    return assemble(snapshot, params, state.seq, eligibilities(snapshot, params), None,
                    "regions", bool(warm), ms)


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


def repaired(snapshot: Snapshot, t, routes: Routes) -> RouteState:
    """Routes as a state, with every job no region placed tried once more across the city."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    sequences = [[index[x] for x in routes.get(tech.id, ()) if x in index]
                 for tech in snapshot.techs]
    state = RouteState(t, sequences)
    placed = {j for seq in sequences for j in seq}
    order = np.argsort(-np.asarray(drop_penalties(snapshot, SolveParams())), kind="stable")
    for j in order:
        if int(j) not in placed and t.allowed[j].any():
            place(state, int(j), everywhere=False)
    return state
