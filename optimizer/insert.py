"""Cheapest feasible insertion of one job into current routes, vectorised with numpy.

The cost of putting job x before a technician's p-th job is the exact change of the plan's
objective: travel (or `Snapshot.cost`) added, x's weighted lateness, the lateness its delay
adds to every later stop (waiting at a window absorbs part of it) and overtime. Skills, pins,
locked routes, a started job staying first, hard windows, capacity and the shift cap are
hard: such positions cost `INF`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from optimizer.eligibility import CAPACITY_REASON, drop_penalties, eligible_matrix
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.routes import RouteState, tables
from optimizer.snapshot import Snapshot

INF = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Choice:
    """Where a job goes: technician index, position among his jobs, objective change."""

    vehicle: int
    position: int
    delta: int


def insertion_costs(state: RouteState, x: int, vehicles: np.ndarray,
                    band: tuple[int, int] | None = None) -> np.ndarray:
    """Objective change of inserting job x at each position of each given route.

    Parameters
    ----------
    state : the current routes.
    x : job index.
    vehicles : technician indices to try.
    band : for a crew member (`optimizer.crew_place`), the (earliest, latest) start that
        keeps it synchronised with its partners, in place of its window.

    Returns
    -------
    np.ndarray
        Shape (len(vehicles), max length + 1); entry [i, p] is the change when x goes
        before the p-th job of `vehicles[i]` (p = n: after the last), `INF` if infeasible.
    """
    t, rs = state.t, vehicles
    n = state.n[rs][:, None]
    width = int(n.max()) + 1 if len(rs) else 1
    p = np.arange(width)[None, :]
    allowed, lo, hi = (t.allowed, t.lo[x], t.hi[x]) if band is None else (t.fit, *band)
    ok = (p <= n) & (p >= state.fixed[rs][:, None]) & allowed[x, rs][:, None]
    if t.started[x] >= 0:
        ok &= p == 0
    ok &= (state.load[rs] + t.demand[x] <= t.capacity[rs])[:, None]
    prev_loc, prev_end = state.loc[rs, :width], state.end[rs, :width]
    next_loc = state.loc[rs, 1:width + 1]
    lx = t.loc[x]
    start_x = np.maximum(prev_end + t.travel[prev_loc, lx], lo)
    ok &= start_x <= hi
    end_x = start_x + t.service[x]
    has_next = p < n
    added = t.cost[prev_loc, lx] + np.where(
        has_next, t.cost[lx, next_loc] - t.cost[prev_loc, next_loc], 0)
    added += t.weight[x] * np.maximum(0, start_x - t.due[x])
    shift = np.where(has_next, end_x + t.travel[lx, next_loc] - state.arr[rs, 1:width + 1], 0)
    ok, late, last_shift = _push(state, rs, ok, shift, np.minimum(p + 1, n + 1))
    finish = np.where(has_next, state.finish[rs][:, None] + last_shift, end_x)
    added += late + _route_end(state, rs, ok, finish, has_next, prev_loc, lx)
    return np.where(ok, added, INF)


def _push(state: RouteState, rs: np.ndarray, ok: np.ndarray, shift: np.ndarray,
          col: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carry an arrival shift down each suffix: (still feasible, lateness added, shift of
    the last service's end)."""
    n = state.n[rs][:, None]
    late = np.zeros(shift.shape, dtype=np.int64)
    r = rs[:, None]
    col = state.skip[r, col]
    last_shift = np.where(col > n, shift, 0)
    while True:
        active = ok & (col <= n) & (shift != 0)
        if not active.any():
            return ok, late, last_shift
        c = col
        old = state.start[r, c]
        new = np.maximum(state.arr[r, c] + shift, state.lo[r, c])
        ok = ok & ~(active & (new > state.hi[r, c]))
        due, weight = state.due[r, c], state.weight[r, c]
        gain = weight * (np.maximum(0, new - due) - np.maximum(0, old - due))
        late += np.where(active, gain, 0)
        shift = np.where(active, new - old, 0)
        nxt = state.skip[r, np.minimum(col + 1, state.width - 1)]
        last_shift = np.where(active & (nxt > n), shift, last_shift)
        col = np.where(active, nxt, n + 1)


def _route_end(state: RouteState, rs: np.ndarray, ok: np.ndarray, finish: np.ndarray,
               has_next: np.ndarray, prev_loc: np.ndarray, lx: int) -> np.ndarray:
    """Overtime (and trip home) change; clears `ok` in place where the cap is broken."""
    t = state.t
    home = t.home[rs][:, None]
    back = home >= 0
    safe_home = np.where(back, home, 0)
    last_old = state.loc[rs, state.n[rs]][:, None]
    last_new = np.where(has_next, last_old, lx)
    old_fin = state.finish[rs][:, None] + np.where(back, t.travel[last_old, safe_home], 0)
    new_fin = finish + np.where(back, t.travel[last_new, safe_home], 0)
    ok &= new_fin <= t.cap[rs][:, None]
    end = t.shift_end[rs][:, None]
    extra = t.overtime_weight * (np.maximum(0, new_fin - end) - np.maximum(0, old_fin - end))
    trip = np.where(back & ~has_next,
                    t.cost[lx, safe_home] - t.cost[prev_loc, safe_home], 0)
    return extra + trip


def best_insertion(state: RouteState, x: int, vehicles: np.ndarray | None = None
                   ) -> Choice | None:
    """The cheapest feasible (technician, position) for job x, or None if there is none.

    Ties go to the lowest technician index, then the earliest position.
    """
    if vehicles is None:
        vehicles = np.flatnonzero(state.t.allowed[x])
    if len(vehicles) == 0:
        return None
    costs = insertion_costs(state, x, vehicles)
    flat = int(np.argmin(costs))
    i, p = divmod(flat, costs.shape[1])
    if costs[i, p] >= INF:
        return None
    return Choice(int(vehicles[i]), int(p), int(costs[i, p]))


@dataclass(frozen=True)
class Provisional:
    """A new job's provisional place and the plan with it: `tech_id` None if none fits."""

    tech_id: str | None
    position: int | None
    plan: Plan


def insert_job(snapshot: Snapshot, plan: Plan, job_id: str, params: SolveParams,
               neighbours: int = 24) -> Provisional:
    """Place one new job (e.g. an emergency) at its cheapest feasible place in `plan`.

    Parameters
    ----------
    snapshot : the state with the new job; everything else as when `plan` was made.
    plan : the current plan, which the job is not part of.
    params : the shift cap, overtime weight and drop penalty come from here.
    neighbours : routes tried: those passing nearest the job, among its allowed ones, plus
        the 6 allowed technicians who could reach it first; exact (brute-force equal) over
        those routes.

    Returns
    -------
    Provisional
        The chosen technician and 0-based position among his planned jobs, and the plan
        with only that route changed, ready to publish before a full re-plan.
    """
    from optimizer.replan import replan  # replan builds on this module

    job = next(j for j in snapshot.jobs if j.id == job_id)
    alone = dataclasses.replace(snapshot, jobs=(job,))
    among = np.flatnonzero(eligible_matrix(alone, params)[0][0])
    new = replan(snapshot, plan, params, (), job.location, min(neighbours, len(among)),
                 None, nearby=0, among=among)
    where = new.assignment().get(job_id)
    if where is None:
        new = eject_for(snapshot, new, job_id, params) or new
        where = new.assignment().get(job_id)
    if where is None:
        return Provisional(None, None, new)
    route = new.route_of(where[0])
    planned = [s.job_id for s in route.stops if not s.in_progress]
    return Provisional(where[0], planned.index(job_id), new)


def eject_for(snapshot: Snapshot, plan: Plan, job_id: str, params: SolveParams,
              candidates: int = 8, then: str = " (the next re-plan places it)") -> Plan | None:
    """`plan` with job `job_id`, for which no route has room, placed by taking jobs of a
    lower drop penalty off one route (an emergency displaces routine work); None if no route
    can take it so.

    A district's routes are full by midday: without this an emergency stayed unassigned
    ("fully booked") for the seconds until a search displaced something. On the routes of
    the `candidates` technicians who could reach it first, the jobs that may move (not
    started, not pinned, of a lower penalty) come off cheapest first until the job fits;
    those that fit again are put back. The route losing the least penalty wins; what it lost
    is unassigned, and the full re-plan that follows places it elsewhere.
    """
    from optimizer.lns import soonest  # both build on this module
    from optimizer.replan import _current, stitch

    began = time.perf_counter()
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    x = index[job_id]
    penalty = drop_penalties(snapshot, params)
    routes = _current(snapshot, plan)
    vehicles = soonest(snapshot, snapshot.jobs[x], params, candidates)
    movable = {v: [index[i] for i in routes.get(snapshot.techs[v].id, ())
                   if penalty[index[i]] < penalty[x] and snapshot.jobs[index[i]].pinned_to is None
                   and snapshot.jobs[index[i]].crew is None]  # a crew is not broken up
               for v in vehicles}
    if snapshot.jobs[x].crew is not None or not any(movable.values()):
        # a crew is placed whole (`optimizer.crew_place`), never one member; a routine job:
        # nothing ranks below it
        return None
    t = tables(snapshot, params, rows=[x, *(j for js in movable.values() for j in js)])
    state = RouteState(t, [[index[i] for i in routes.get(tech.id, ())]
                           for tech in snapshot.techs])
    best: tuple[int, int, list[int]] | None = None  # (penalty lost, technician, sequence)
    for v in vehicles:
        original = list(state.seq[v])
        order = sorted((j for j in movable[v] if j in original[state.fixed[v]:]),
                       key=lambda j: (penalty[j], -original.index(j)))
        taken: list[int] = []
        for j in order:
            state.remove(v, j)
            taken.append(j)
            choice = best_insertion(state, x, np.array([v]))
            if choice is None:
                continue
            state.insert(v, choice.position, x)
            for k in sorted(taken, key=lambda k: -penalty[k]):  # back what fits again
                back = best_insertion(state, k, np.array([v]))
                if back is not None:
                    state.insert(v, back.position, k)
                    taken.remove(k)
            lost = sum(penalty[k] for k in taken)
            if best is None or lost < best[0]:
                best = (lost, v, list(state.seq[v]))
            break
        state.seq[v] = original
        state.retime(v)
    if best is None:
        return None
    _, v, sequence = best
    tech = snapshot.techs[v].id
    gone = set(routes.get(tech, ())) - {snapshot.jobs[j].id for j in sequence}
    routes[tech] = tuple(snapshot.jobs[j].id for j in sequence)
    placed = stitch(snapshot, plan, params, routes, [v], "inserted", began)
    why = f"made way for {snapshot.jobs[x].urgency} {job_id}{then}"
    return dataclasses.replace(placed, unassigned=tuple(
        dataclasses.replace(u, reason=why) if u.job_id in gone else u
        for u in placed.unassigned))


def make_way(snapshot: Snapshot, plan: Plan, params: SolveParams) -> Plan:
    """`plan` with each emergency it left out for want of room placed by displacing
    lower-priority work (`eject_for`), the most overdue first; what makes way is unassigned
    with the emergency named. A search cut short by its budget left emergencies out as
    "capacity" while qualified technicians had routine work planned (a storm of 500
    tickets: 2-3 of them); "capacity" then stays only where no route can make room."""
    full = {u.job_id for u in plan.unassigned if u.reason == CAPACITY_REASON}
    urgent = [j for j, job in enumerate(snapshot.jobs)
              if job.id in full and job.urgency == "emergency"] if full else []
    if not urgent:  # after most solves: nothing to do, and no table built for it
        return plan
    penalty = drop_penalties(snapshot, params)
    waiting = [snapshot.jobs[j].id for j in sorted(urgent, key=lambda j: -penalty[j])]
    made, why = plan, {}
    for job_id in waiting:
        placed = eject_for(snapshot, made, job_id, params, then="")
        if placed is not None:
            made = placed
            why.update((u.job_id, u.reason) for u in made.unassigned
                       if u.reason.startswith("made way for "))
    if made is plan:
        return plan
    kept = tuple(dataclasses.replace(u, reason=why.get(u.job_id, u.reason))
                 for u in made.unassigned)  # each ejection re-explains the others
    return dataclasses.replace(made, unassigned=kept, status=plan.status,
                               warm_started=plan.warm_started, solve_ms=plan.solve_ms)


def relocate_late(state: RouteState, top: int = 5) -> list[int]:
    """Move each of the `top` latest jobs (by weighted lateness) to its cheapest place in
    the whole city when that lowers the objective; the technicians whose routes changed.

    Neighbourhood searches cannot move a late emergency to a technician far from its
    route who could still reach it in time; a global re-insertion can.
    """
    changed: set[int] = set()
    for v, j in late_stops(state, top):
        p = state.seq[v].index(j)
        if p < state.fixed[v]:
            continue
        state.remove(v, j)
        stay = int(insertion_costs(state, j, np.array([v]))[0, p])
        choice = best_insertion(state, j)
        if choice is not None and choice.delta < stay:
            state.insert(choice.vehicle, choice.position, j)
            changed |= {v, choice.vehicle}
        else:
            state.insert(v, p, j)
    return sorted(changed)


def late_stops(state: RouteState, top: int) -> list[tuple[int, int]]:
    """(technician, job) of the `top` stops with the highest weighted lateness."""
    cols = np.arange(state.width)[None, :]
    inside = (cols >= 1) & (cols <= state.n[:, None])
    late = np.where(inside, state.weight * np.maximum(0, state.start - state.due), 0)
    flat = np.argsort(-late, axis=None, kind="stable")[:top]
    v, c = np.unravel_index(flat, late.shape)
    return [(int(a), state.seq[a][b - 1]) for a, b in zip(v, c, strict=True) if late[a, b] > 0]
