"""Sub-problems: a few technicians and jobs cut out of a snapshot, solved, stitched back.

A part keeps only the locations its technicians and jobs use, so its routing model is
small whatever the city's size. Parts with disjoint technicians and jobs can be solved in
parallel processes and their routes put side by side.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.construct import seeded
from optimizer.crews import closed, crews_of
from optimizer.eligibility import eligibilities, route_cap
from optimizer.model import solve
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.schedule import assemble, visit
from optimizer.snapshot import Job, Snapshot, Tech

Routes = dict[str, tuple[str, ...]]  # technician id -> ordered job ids


@dataclass(frozen=True)
class Part:
    """A sub-snapshot and where its technicians and jobs sit in the whole one."""

    snapshot: Snapshot
    techs: tuple[int, ...]
    jobs: tuple[int, ...]


def cut(snapshot: Snapshot, techs: Sequence[int], jobs: Sequence[int], warm: Routes) -> Part:
    """The part of `snapshot` with these technicians and jobs, warm-started from `warm`.

    Parameters
    ----------
    snapshot : the whole problem.
    techs, jobs : indices into `snapshot.techs` and `snapshot.jobs`.
    warm : routes to start from; only these technicians' routes and these jobs are kept.

    A crew is never split: technicians and jobs that would split one are left out
    (`crews.closed`), and `Part` says what was kept.
    """
    if any(job.crew is not None for job in snapshot.jobs):
        techs, jobs = closed(snapshot, warm, techs, jobs)
    picked_techs = [snapshot.techs[v] for v in techs]
    picked_jobs = [snapshot.jobs[j] for j in jobs]
    places = [t.location for t in picked_techs] + [j.location for j in picked_jobs]
    places += [t.end_location for t in picked_techs if t.end_location is not None]
    where = np.unique(np.asarray(places, dtype=np.int64))
    local = {int(p): k for k, p in enumerate(where)}
    sub_techs = tuple(_moved(
        t, location=local[t.location],
        end_location=None if t.end_location is None else local[t.end_location])
        for t in picked_techs)
    # Fixed positions count on the whole route, which a part may not hold: left to
    # `honour_positions` after the parts are stitched.
    sub_jobs = tuple(_moved(j, location=local[j.location], position=None) for j in picked_jobs)
    ids = {j.id for j in picked_jobs}
    sub_warm = {t.id: tuple(x for x in warm.get(t.id, ()) if x in ids) for t in picked_techs}
    grid = np.ix_(where, where)
    cost = None if snapshot.cost is None else np.asarray(snapshot.cost)[grid]
    sub = Snapshot(sub_techs, sub_jobs, np.asarray(snapshot.travel)[grid],
                   {k: v for k, v in sub_warm.items() if v}, cost)
    return Part(sub, tuple(techs), tuple(jobs))


def _moved(item, **changes):
    """A copy of a frozen Tech or Job with other fields. `dataclasses.replace` re-runs
    __init__ (~40 us); a part of 250 jobs cut per event made it a third of an insertion."""
    new = copy.copy(item)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


def solve_part(snapshot: Snapshot, params: SolveParams) -> Routes:
    """Routes of one part: its warm start (or a construction) improved by the routing model.

    Top-level so that a process pool can run it.
    """
    start = seeded(snapshot, params)
    return better(start, params, solve(start, params))


def better(start: Snapshot, params: SolveParams, plan: Plan) -> Routes:
    """The plan's routes, or `start.warm_start` when that is cheaper: the model may refuse
    the start, or run out of time (a loaded machine) before restoring it and return
    nothing, which would drop every job of the part."""
    found = plan.sequences()
    if not start.warm_start:
        return found
    index = {job.id: j for j, job in enumerate(start.jobs)}
    sequences = [[index[x] for x in start.warm_start.get(t.id, ())] for t in start.techs]
    warm = assemble(start, params, sequences, eligibilities(start, params), None, "", False, 0)
    if plan.warm_started and plan.objective.total <= warm.objective.total:
        return found
    return {t.id: tuple(start.warm_start.get(t.id, ())) for t in start.techs}


def honour_positions(snapshot: Snapshot, params: SolveParams, routes: Routes
                     ) -> tuple[Routes, set[str]]:
    """`routes` with every job that has a fixed `position` at exactly that place on the route
    of the technician it is pinned to (a dispatcher's move, a locked route, an emergency the
    planner turned someone round for), and the technicians whose routes this changed.

    The routing model enforces positions itself; insertion, repair and relocation do not,
    so the paths that use them (local re-plans, whole-city solves by parts) end here. As in
    the model, a stop the fixed one pushes past its window or the shift cap is left out, and
    so is a fixed job whose place cannot be had (too few jobs before it, a started job there).
    """
    techs = {t.id: t for t in snapshot.techs}
    fixed = [j for j in snapshot.jobs if j.position is not None and j.pinned_to in techs]
    if not fixed:
        return routes, set()
    ids = {j.id for j in fixed}
    jobs = {j.id: j for j in snapshot.jobs}
    out = {tech: tuple(x for x in seq if x not in ids) for tech, seq in routes.items()}
    for tech in {j.pinned_to for j in fixed}:
        mine = sorted((j for j in fixed if j.pinned_to == tech), key=lambda j: j.position)
        out[tech] = _with_fixed(techs[tech], [jobs[x] for x in out.get(tech, ())], mine,
                                snapshot, params)
    return out, {t for t in out if out[t] != routes.get(t, ())}


def _with_fixed(tech: Tech, free: list[Job], fixed: list[Job], snapshot: Snapshot,
                params: SolveParams) -> tuple[str, ...]:
    """`free` (in order) with the `fixed` jobs at their positions, stops that break a
    window or the cap left out; a fixed job that cannot keep its place is left out too."""
    while True:
        seq = list(free)
        for job in fixed:
            seq.insert(min(job.position, len(seq)), job)
        seq = _feasible(tech, seq, snapshot, params)
        wrong = [j for j in fixed if seq.index(j) != j.position]
        started = [j for j in seq if j.started_by == tech.id and j not in fixed]
        if started and seq[0] is not started[0]:  # a started job stays first
            wrong = [j for j in fixed if j.position == 0] or wrong
        if not wrong:
            return tuple(j.id for j in seq)
        fixed = [j for j in fixed if j is not wrong[0]]


def _feasible(tech: Tech, seq: list[Job], snapshot: Snapshot, params: SolveParams
              ) -> list[Job]:
    """The route without the stops that break a window or the shift cap; jobs with a
    position or started are kept (they are the rule)."""
    seq, cap = list(seq), route_cap(tech, params)
    while True:
        now, where, bad = tech.available_at, tech.location, None
        for k, job in enumerate(seq):
            _, _, start, now = visit(now, where, job, snapshot.travel)
            where = job.location
            free = job.position is None and job.started_by != tech.id
            if free and ((job.window and start > job.window[1]) or now > cap):
                bad = k
                break
        if bad is None:
            return seq
        del seq[bad]


def construct_part(snapshot: Snapshot, params: SolveParams) -> Routes:
    """Routes of one part from the fast construction alone (no search)."""
    return dict(seeded(dataclasses.replace(snapshot, warm_start={}), params).warm_start)


def regions(snapshot: Snapshot, allowed: np.ndarray, size: int
            ) -> list[tuple[list[int], list[int]]]:
    """Split technicians into groups of about `size` that work near each other, and give
    each job to the group of its nearest allowed technician.

    Parameters
    ----------
    snapshot : the whole problem.
    allowed : jobs x techs, who may take what (jobs nobody may take go nowhere).
    size : technicians per group.
    """
    tech_loc = np.fromiter((t.location for t in snapshot.techs), np.int64)
    travel = np.asarray(snapshot.travel)
    groups = _groups(travel[np.ix_(tech_loc, tech_loc)], size)
    job_loc = np.fromiter((j.location for j in snapshot.jobs), np.int64)
    legs = np.where(allowed, travel[np.ix_(job_loc, tech_loc)], np.iinfo(np.int64).max)
    nearest = legs.argmin(axis=1)
    group_of = np.empty(len(tech_loc), dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    owner = np.where(allowed.any(axis=1), group_of[nearest], -1)
    for members in crews_of(snapshot.jobs).values():  # a crew goes where its lead goes
        owner[members] = owner[members[0]]
    return [(members, np.flatnonzero(owner == g).tolist()) for g, members in enumerate(groups)]


def _groups(between: np.ndarray, size: int) -> list[list[int]]:
    """Balanced groups of technicians: farthest-point seeds, then nearest seed with room."""
    n = len(between)
    k = max(1, -(-n // size))
    seeds = [0]
    for _ in range(k - 1):
        seeds.append(int(between[seeds].min(axis=0).argmax()))
    to_seed = between[:, seeds]
    room = [-(-n // k)] * k
    groups: list[list[int]] = [[] for _ in range(k)]
    for v in np.argsort(to_seed.min(axis=1), kind="stable"):
        for g in np.argsort(to_seed[v], kind="stable"):
            if room[g]:
                room[g] -= 1
                groups[g].append(int(v))
                break
    return [sorted(g) for g in groups if g]
