"""Re-plan after one event by re-optimizing only the technicians near it.

An event (a new ticket, a GPS fix, a completion) changes one technician or adds one job.
The technicians whose routes pass nearest the event's site are cut out with their jobs and
the unrouted jobs nearest the site; their routes are repaired (stops the event made
infeasible are taken off), every free job is inserted at its cheapest feasible place, the
routing model improves that from the warm start for a short budget, and the result replaces
those routes in the previous plan. Every other route is kept as it was.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Executor, Future

import numpy as np

from optimizer.construct import place
from optimizer.crew_place import place_crews
from optimizer.crews import crews_of, with_partners
from optimizer.eligibility import default_reason, drop_penalties, eligibilities
from optimizer.insert import INF, insertion_costs, late_stops, relocate_late
from optimizer.lns import (
    NEARBY_UNROUTED,
    NEIGHBOURS,
    disjoint_parts,
    focus_techs,
    part_around,
    soonest,
)
from optimizer.model import solve
from optimizer.params import SolveParams
from optimizer.plan import Objective, Plan, Route, Unassigned
from optimizer.routes import RouteState, Tables, allow_rows, tables
from optimizer.schedule import synced_routes, timed_route
from optimizer.snapshot import Job, Snapshot
from optimizer.split import Part, Routes, better, cut, honour_positions, solve_part

SOONEST = 6  # technicians who could reach a new or late job first, re-planned with it
RELOCATE = 5  # latest jobs offered to the whole city after each re-plan


def replan(snapshot: Snapshot, plan: Plan, params: SolveParams, touched: Sequence[str],
           site: int, neighbours: int = NEIGHBOURS, budget_ms: int | None = 150,
           nearby: int = NEARBY_UNROUTED, among: Sequence[int] | None = None,
           pool: Executor | None = None, background: int | None = None) -> Plan:
    """The previous plan with the routes near one event re-optimized.

    Parameters
    ----------
    snapshot : the state after the event.
    plan : the plan before it; technicians not in `touched` must be unchanged since.
    params : solver settings (the budget comes from `budget_ms`).
    touched : technicians the event changed (moved, freed); always re-planned.
    site : matrix index of the event's place (the new ticket, the fix, the finished job).
    neighbours : further technicians re-planned, those whose routes pass nearest `site`.
    budget_ms : search budget of the routing model; None stops after the insertions.
    nearby : previously unassigned jobs nearest `site` offered again (jobs the previous
        plan did not know are always offered).
    among : technician indices the neighbours are chosen from (None: all).
    pool, background : meanwhile, in `pool`, re-optimize for the same budget the
        neighbourhood of technician index `background` (left out where it overlaps the
        event's), so that the other core keeps improving the rest of the city.

    Returns
    -------
    Plan
        Every job routed or unassigned with a reason; `status` ``replanned`` or
        ``inserted`` (no search).
    """
    began = time.perf_counter()
    routes = _current(snapshot, plan)
    focus = focus_techs(snapshot, routes, touched, site, neighbours, among)
    focus = sorted(set(focus) | _soonest(snapshot, plan, routes, params))
    if crews_of(snapshot.jobs):  # a crew is re-planned whole or not at all (`split.cut`)
        focus = with_partners(snapshot, routes, focus)
    jobs = local_jobs(snapshot, plan, routes, focus, site, nearby)
    part = cut(snapshot, focus, jobs, routes)
    extra = None
    if pool is not None and background is not None and budget_ms is not None:
        extra = _elsewhere(snapshot, params, plan, routes, part, background, budget_ms, pool)
    local = repair(part.snapshot, params)
    if budget_ms is not None and part.snapshot.jobs:
        local = _improve(part.snapshot, params, local, budget_ms)
    routes.update(local)
    if extra is not None:
        routes.update(extra[1].result())
        focus = sorted(set(focus) | set(extra[0].techs))
    if budget_ms is not None:
        focus = sorted(set(focus) | set(_relocate(snapshot, params, routes)))
    status = "inserted" if budget_ms is None else "replanned"
    return stitch(snapshot, plan, params, routes, focus, status, began)


def _relocate(snapshot: Snapshot, params: SolveParams, routes: Routes) -> list[int]:
    """Move the latest jobs anywhere in the city where they cost less (`relocate_late`);
    `routes` is updated, the technicians whose routes changed are returned."""
    t = tables(snapshot, params, rows=())
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    state = RouteState(t, [[index[x] for x in routes.get(tech.id, ())]
                           for tech in snapshot.techs])
    allow_rows(t, snapshot, params, [j for _, j in late_stops(state, RELOCATE)])
    moved = relocate_late(state, RELOCATE)
    for v in moved:
        routes[snapshot.techs[v].id] = tuple(snapshot.jobs[j].id for j in state.seq[v])
    return moved


def _elsewhere(snapshot: Snapshot, params: SolveParams, plan: Plan, routes: Routes,
               event: Part, seed: int, budget_ms: int, pool: Executor
               ) -> tuple[Part, Future] | None:
    """Start solving another neighbourhood, disjoint from `event`, in `pool`: around one of
    the latest (weighted) jobs of `plan`, with the technicians who could reach it first,
    else around technician `seed`."""
    used = set(event.techs)
    taken = {snapshot.jobs[j].id for j in event.jobs}
    late = _latest(snapshot, plan, used, taken)
    if late:
        job, v = late[seed % len(late)]
        must = [v, *soonest(snapshot, job, params, SOONEST)]
        found = part_around(snapshot, routes, job.location, must, NEIGHBOURS, used, taken)
    else:
        parts = disjoint_parts(snapshot, routes, [seed], 1, used=used, taken=taken)
        found = parts[0] if parts else None
    if found is None or not found.techs:
        return None
    # 70 % of the event's budget, so that waiting for it rarely adds to the latency
    sub = dataclasses.replace(params, time_budget_ms=max(10, budget_ms * 7 // 10))
    return found, pool.submit(solve_part, found.snapshot, sub)


def _latest(snapshot: Snapshot, plan: Plan, used: set[int], taken: set[str], top: int = 5
            ) -> list[tuple[Job, int]]:
    """Up to `top` late jobs of `plan` by weighted lateness, with their technician index,
    outside `used` technicians and `taken` jobs."""
    jobs = {job.id: job for job in snapshot.jobs}
    vehicle = {t.id: v for v, t in enumerate(snapshot.techs)}
    late = [(s.late * jobs[s.job_id].late_weight, jobs[s.job_id], vehicle[r.tech_id])
            for r in plan.routes if vehicle.get(r.tech_id) not in used for s in r.stops
            if s.late and s.job_id in jobs and s.job_id not in taken]
    late.sort(key=lambda x: -x[0])
    return [(job, v) for _, job, v in late[:top]]


def _soonest(snapshot: Snapshot, plan: Plan, routes: Routes, params: SolveParams) -> set[int]:
    """For each job the previous plan did not know, the `SOONEST` allowed technicians who
    could reach it first if they dropped everything: an emergency needs the technician
    who can get there, who is not always one whose route passes nearby."""
    known = {x for r in routes.values() for x in r} | {u.job_id for u in plan.unassigned}
    new = [job for job in snapshot.jobs if job.id not in known]
    return {v for job in new for v in soonest(snapshot, job, params, SOONEST)}


def _current(snapshot: Snapshot, plan: Plan) -> Routes:
    """The plan's routes, without jobs the snapshot no longer has."""
    known = {job.id for job in snapshot.jobs}
    return {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress
                             and s.job_id in known) for r in plan.routes}


def local_jobs(snapshot: Snapshot, plan: Plan, routes: Routes, focus: list[int], site: int,
             nearby: int) -> list[int]:
    """Jobs on the focus routes, new jobs, and the `nearby` unassigned ones nearest `site`."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    own = [index[x] for v in focus for x in routes.get(snapshot.techs[v].id, ())]
    routed = {x for r in routes.values() for x in r}
    waiting = {u.job_id for u in plan.unassigned}
    new = [j for j, job in enumerate(snapshot.jobs)
           if job.id not in routed and job.id not in waiting]
    free = [index[x] for x in waiting if x in index]
    legs = np.asarray(snapshot.travel)[[snapshot.jobs[j].location for j in free], site]
    nearest = [free[k] for k in np.argsort(legs, kind="stable")[:nearby]]
    return sorted(set(own) | set(new) | set(nearest))


def repair(sub: Snapshot, params: SolveParams, t: Tables | None = None) -> Routes:
    """The part's warm routes minus stops now infeasible, then every free job inserted:
    crews first, each whole (`optimizer.crew_place`), then one-person jobs."""
    t = tables(sub, params) if t is None else t
    state = RouteState(t, _warm_sequences(sub, t))
    for v in np.flatnonzero(~_valid(state)):
        jobs, state.seq[v] = state.seq[v], []
        state.retime(int(v))
        for j in jobs:
            if state.n[v] >= state.fixed[v] and _fits_last(state, int(v), j):
                state.insert(int(v), int(state.n[v]), j)
    if t.crews:
        state.keep_whole()  # a member that no longer fits takes its partners off
        place_crews(state)
    placed = {j for seq in state.seq for j in seq}
    for j in np.lexsort((np.arange(len(sub.jobs)), -t.weight)):
        if int(j) not in placed and t.allowed[j].any():
            place(state, int(j), neighbours=None)
    return {tech.id: tuple(sub.jobs[j].id for j in seq)
            for tech, seq in zip(sub.techs, state.seq, strict=True)}


def _warm_sequences(sub: Snapshot, t: Tables) -> list[list[int]]:
    """Warm routes with unknown (closed) and disallowed jobs left out, each started job
    first."""
    index = {job.id: j for j, job in enumerate(sub.jobs)}
    may = t.allowed if t.fit is None else t.fit  # crew members stay where they were
    out = []
    for v, tech in enumerate(sub.techs):
        first = [int(j) for j in np.flatnonzero(t.started == v)]
        rest = [index[x] for x in sub.warm_start.get(tech.id, ())
                if x in index and may[index[x], v] and t.started[index[x]] < 0]
        out.append(first + rest)
    return out


def _valid(state: RouteState) -> np.ndarray:
    """Per route: every window, the shift cap and the capacity hold."""
    t = state.t
    cols = np.arange(state.width)[None, :]
    inside = (cols >= 1) & (cols <= state.n[:, None])
    late = (inside & (state.start > state.hi)).any(axis=1)
    home = np.where(t.home >= 0, t.travel[state.loc[np.arange(len(state.n)), state.n],
                                          np.maximum(t.home, 0)], 0)
    return ~late & (state.finish + home <= t.cap) & (state.load <= t.capacity)


def _fits_last(state: RouteState, v: int, j: int) -> bool:
    n = int(state.n[v])
    return bool(insertion_costs(state, j, np.array([v]))[0, n] < INF)


def _improve(sub: Snapshot, params: SolveParams, warm: Routes, budget_ms: int) -> Routes:
    """The routing model from `warm`, kept only if it is no worse."""
    start = dataclasses.replace(sub, warm_start={k: v for k, v in warm.items() if v})
    plan = solve(start, dataclasses.replace(params, time_budget_ms=budget_ms))
    return better(start, params, plan)


def stitch(snapshot: Snapshot, plan: Plan, params: SolveParams, routes: Routes,
           changed: Sequence[int], status: str, began: float) -> Plan:
    """The new plan: changed technicians re-timed, others' routes reused from `plan`; jobs
    with a fixed position put back in their place (`honour_positions`); routes holding a
    crew timed together, a crew that is not whole or cannot be synchronised taken off."""
    jobs = {job.id: job for job in snapshot.jobs}
    routes, moved = honour_positions(snapshot, params, routes)
    redo = {snapshot.techs[v].id for v in changed} | moved
    synced = _synced(snapshot, params, routes) if crews_of(snapshot.jobs) else {}
    if synced:  # with crews, every route is re-timed: a partner's change moves a member
        routes = {tech: tuple(s.job_id for s in route.stops if not s.in_progress)
                  for tech, route in synced.items()}
    previous = {r.tech_id: r for r in plan.routes}
    out = []
    for tech in snapshot.techs:
        old = synced.get(tech.id, previous.get(tech.id))
        if (tech.id in redo and not synced) or old is None:
            old = timed_route(tech, [jobs[x] for x in routes.get(tech.id, ())], snapshot.travel)
        out.append(old)
    routed = {x for r in routes.values() for x in r}
    dropped = [j for j, job in enumerate(snapshot.jobs) if job.id not in routed]
    unassigned = explained(snapshot, params, dropped)
    objective = _objective(snapshot, params, out, dropped)
    ms = (time.perf_counter() - began) * 1000.0
    return Plan(tuple(out), unassigned, objective, ms, status, True)


def _synced(snapshot: Snapshot, params: SolveParams, routes: Routes) -> dict[str, Route]:
    """Every route timed with its crews synchronised (`schedule.synced_routes`)."""
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    sequences = [[index[x] for x in routes.get(t.id, ()) if x in index] for t in snapshot.techs]
    _, timed = synced_routes(snapshot, params, sequences)
    return {t.id: r for t, r in zip(snapshot.techs, timed, strict=True)}


def explained(snapshot: Snapshot, params: SolveParams, dropped: list[int]
               ) -> tuple[Unassigned, ...]:
    few = dataclasses.replace(snapshot, jobs=tuple(snapshot.jobs[j] for j in dropped))
    reasons = eligibilities(few, params)
    return tuple(Unassigned(job.id, e.reason or default_reason(job))
                 for job, e in zip(few.jobs, reasons, strict=True))


def _objective(snapshot: Snapshot, params: SolveParams, routes: list[Route],
               dropped: list[int]) -> Objective:
    weight = {job.id: job.late_weight for job in snapshot.jobs}
    stops = [s for r in routes for s in r.stops if not s.in_progress]
    travel = sum(s.travel for s in stops)
    lateness = sum(s.late * weight[s.job_id] for s in stops)
    overtime = sum(r.overtime for r in routes)
    few = dataclasses.replace(snapshot, jobs=tuple(snapshot.jobs[j] for j in dropped))
    total = travel + lateness + params.overtime_weight * overtime
    total += sum(drop_penalties(few, params))
    return Objective(travel, lateness, sum(s.late for s in stops), overtime, len(dropped),
                     total)


__all__ = ["Part", "repair", "replan", "stitch"]
