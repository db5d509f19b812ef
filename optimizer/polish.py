"""Polishing a plan of hundreds of stops by parts: a few neighbouring routes at a time are
re-solved from scratch by the routing model's own search and kept when their objective drops.

One routing model of a few hundred stops improves slowly: each ruin-and-recreate step of
OR-Tools is followed by a local search over every stop, so at 500 stops it manages a few
dozen steps a second and is still some 27 % above the best known after 10 s
(`benchmarks/data/city`). A part of a seed route and its nearest routes (~60 stops) is the
size at which the same search converges within a few hundred milliseconds, so re-solving
part after part keeps improving where the whole model stalls (POPMUSIC, Taillard & Voss
2002, with OR-Tools as the sub-solver). Parts share no technician or job, so a process pool
solves several at once.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Executor

import numpy as np

from optimizer.model import objectives, solve, stop_when, stopped
from optimizer.params import SolveParams
from optimizer.snapshot import Snapshot
from optimizer.split import Part, Routes, cut

POLISH_FROM = 150  # jobs from which a full solve polishes its plan by parts
PART_ROUTES = 4  # routes in a part: a seed route and its nearest
SLICE_MS = 300  # search budget of one part
NEARBY_UNROUTED = 10  # unrouted jobs nearest a seed route offered to its part


def polish(snapshot: Snapshot, params: SolveParams, routes: Routes, deadline: float,
           pool: Executor | None = None, seed: int = 0,
           slice_ms: int = SLICE_MS) -> Routes:
    """`routes` improved part by part until `deadline` (a `time.perf_counter()`) or a stop
    (`optimizer.model.stop_when`): each part is solved afresh by `solve` (ruin and recreate
    within `slice_ms`) and its new routes replace the old ones when they leave no more jobs
    out at a lower objective. Routes of locked technicians or holding a job with a fixed
    position are left as they are."""
    routes = dict(routes)
    rng = np.random.default_rng(seed)
    workers = getattr(pool, "_max_workers", 1) if pool is not None else 1
    frozen = _frozen(snapshot, routes)
    sub_params = dataclasses.replace(params, time_budget_ms=slice_ms,
                                     budget_includes_build=False)
    order: list[int] = []
    while time.perf_counter() + slice_ms / 1000.0 < deadline and not stopped():
        parts = route_parts(snapshot, routes, order, workers, rng, frozen)
        if not parts:
            break
        for better in _map(pool, solved_afresh, [p.snapshot for p in parts], sub_params):
            routes.update(better or {})
    return routes


def route_parts(snapshot: Snapshot, routes: Routes, order: list[int], count: int,
                rng: np.random.Generator, frozen: set[int]) -> list[Part]:
    """Up to `count` parts sharing no technician or job, each a seed route (the next of
    `order`, refilled with a random permutation of the routed technicians) with its
    `PART_ROUTES - 1` nearest routes, the idle technician nearest it and the unrouted jobs
    nearest it; none of `frozen`."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    travel = np.asarray(snapshot.travel)
    where = np.fromiter((job.location for job in snapshot.jobs), np.int64, len(snapshot.jobs))
    stops = {v: where[[index[x] for x in routes.get(t.id, ()) if x in index]]
             for v, t in enumerate(snapshot.techs) if v not in frozen}
    routed = [v for v, s in stops.items() if len(s)]
    used: set[int] = set()
    taken: set[str] = {x for r in routes.values() for x in r}
    taken |= {job.id for job in snapshot.jobs if job.position is not None}
    parts = []
    for _ in range(4 * count):  # seeds already used by an earlier part are skipped
        if len(parts) == count:
            break
        if not order:
            order.extend(int(v) for v in rng.permutation(routed))
            if not order:
                break
        v = order.pop()
        if v in used or not len(stops.get(v, ())):  # a part since emptied its route
            continue
        chosen = _nearest_routes(travel, stops, v, [u for u in routed if u not in used])
        idle = _nearest_idle(snapshot, travel, stops, v, used)
        techs = chosen + idle
        used |= set(techs)
        jobs = [index[x] for u in chosen for x in routes.get(snapshot.techs[u].id, ())]
        jobs += _nearest_unrouted(snapshot, travel, stops[v], taken)
        taken |= {snapshot.jobs[j].id for j in jobs}
        parts.append(cut(snapshot, sorted(techs), sorted(jobs), routes))
    return parts


def _nearest_routes(travel: np.ndarray, stops: dict[int, np.ndarray], v: int,
                    among: list[int]) -> list[int]:
    """`v` and the `PART_ROUTES - 1` routes of `among` whose stops lie nearest its stops
    (mean over v's stops of the shortest round trip to one of theirs)."""
    seed = stops[v]
    others = [u for u in among if u != v]
    if not others:
        return [v]
    near = [float((travel[np.ix_(seed, stops[u])] + travel[np.ix_(stops[u], seed)].T)
                  .min(axis=1).mean()) for u in others]
    keep = np.argsort(near, kind="stable")[:PART_ROUTES - 1]
    return [v, *(others[k] for k in keep)]


def _nearest_idle(snapshot: Snapshot, travel: np.ndarray, stops: dict[int, np.ndarray],
                  v: int, used: set[int]) -> list[int]:
    """The technician without a route whose start is nearest `v`'s stops, if any, so a
    part can open a route."""
    idle = [u for u, s in stops.items() if not len(s) and u not in used]
    if not idle:
        return []
    starts = np.fromiter((snapshot.techs[u].location for u in idle), np.int64, len(idle))
    return [idle[int(np.argmin(travel[np.ix_(starts, stops[v])].min(axis=1)))]]


def _nearest_unrouted(snapshot: Snapshot, travel: np.ndarray, seed: np.ndarray,
                      taken: set[str]) -> list[int]:
    free = [j for j, job in enumerate(snapshot.jobs) if job.id not in taken]
    if not free:
        return []
    places = np.fromiter((snapshot.jobs[j].location for j in free), np.int64, len(free))
    legs = travel[np.ix_(seed, places)].min(axis=0)
    return [free[k] for k in np.argsort(legs, kind="stable")[:NEARBY_UNROUTED]]


def _frozen(snapshot: Snapshot, routes: Routes) -> set[int]:
    """Technicians a part may not re-plan: locked ones and those holding a job with a fixed
    place on their route (a part forgets positions)."""
    fixed = {job.id for job in snapshot.jobs if job.position is not None}
    return {v for v, t in enumerate(snapshot.techs)
            if t.locked or fixed & set(routes.get(t.id, ()))}


def solved_afresh(sub: Snapshot, params: SolveParams) -> Routes | None:
    """A part solved from scratch (its routes forgotten, so the search is ruin and recreate
    rather than a descent from them): its new routes when they leave no more jobs out at a
    lower objective than its current ones (both costed by one model), else None.
    Not stoppable (OR-Tools' ruin and recreate asks no stop check): `polish` asks between
    parts, so a stop waits at most one part's budget. Top-level so that a process pool can
    run it."""
    with stop_when(None):  # costing both too: a stop must not cut one of them short
        new = solve(dataclasses.replace(sub, warm_start={}), params).sequences()
        old, found = objectives(sub, params, [dict(sub.warm_start), new])
    return new if found < old else None


def _map(pool: Executor | None, task: Callable[[Snapshot, SolveParams], Routes | None],
         subs: list[Snapshot], params: SolveParams) -> list[Routes | None]:
    if pool is None or len(subs) == 1:
        return [task(s, params) for s in subs]
    return list(pool.map(task, subs, [params] * len(subs)))
