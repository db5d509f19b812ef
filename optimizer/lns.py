"""Neighbourhoods of nearby routes, the unit every local re-optimization works on.

A neighbourhood is a seed (an event's site, or a technician) with the technicians whose
start or stops pass nearest it; its part holds their jobs and the unrouted jobs nearest
the seed. Parts that share no technician and no job can be solved at the same time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from optimizer.crews import with_partners
from optimizer.eligibility import eligible_matrix
from optimizer.params import SolveParams
from optimizer.snapshot import Job, Snapshot
from optimizer.split import Part, Routes, cut

NEIGHBOURS = 6  # technicians re-optimized around a seed besides those it names
NEARBY_UNROUTED = 10  # unrouted jobs nearest the seed offered to them


def focus_techs(snapshot: Snapshot, routes: Routes, touched: Sequence[str], site: int,
                neighbours: int, among: Sequence[int] | None = None) -> list[int]:
    """Touched technicians plus the `neighbours` (of `among`) whose start or stops are
    nearest `site`, plus those holding the partners of their crews (`crews.with_partners`)."""
    loc = {job.id: job.location for job in snapshot.jobs}
    owner, places = [], []
    for v, tech in enumerate(snapshot.techs):
        stops = [tech.location, *(loc[x] for x in routes.get(tech.id, ()))]
        owner += [v] * len(stops)
        places += stops
    near = np.full(len(snapshot.techs), np.iinfo(np.int64).max)
    np.minimum.at(near, np.asarray(owner, dtype=np.int64),
                  np.asarray(snapshot.travel)[np.asarray(places, dtype=np.int64), site])
    if among is not None:
        near[np.setdiff1d(np.arange(len(near)), among)] = np.iinfo(np.int64).max
    chosen = {v for v, t in enumerate(snapshot.techs) if t.id in set(touched)}
    for v in np.argsort(near, kind="stable"):
        if len(chosen) >= len(set(touched)) + neighbours:
            break
        chosen.add(int(v))
    if any(job.crew is not None for job in snapshot.jobs):
        return with_partners(snapshot, routes, sorted(chosen))
    return sorted(chosen)


def disjoint_parts(snapshot: Snapshot, routes: Routes, order: list[int], count: int,
                   neighbours: int = NEIGHBOURS, used: set[int] | None = None,
                   taken: set[str] | None = None) -> list[Part]:
    """Up to `count` parts around the next seed technicians of `order` (popped from its
    end), sharing no technician or job with each other, `used` techs or `taken` jobs."""
    used = set() if used is None else used
    taken = set() if taken is None else taken
    parts = []
    while order and len(parts) < count:
        v = order.pop()
        if v not in used:
            tech = snapshot.techs[v]
            parts.append(part_around(snapshot, routes, tech.location, [v], neighbours,
                                     used, taken))
    return parts


def part_around(snapshot: Snapshot, routes: Routes, site: int, must: Sequence[int],
                neighbours: int, used: set[int], taken: set[str]) -> Part:
    """The part of the `must` technicians and the `neighbours` whose routes pass nearest
    `site` (none of `used`), their jobs and the unrouted jobs nearest `site` (none of
    `taken`); `used` and `taken` grow by what it holds."""
    ids = [snapshot.techs[v].id for v in must if v not in used]
    focus = [u for u in focus_techs(snapshot, routes, ids, site, neighbours) if u not in used]
    used |= set(focus)
    mine = {x for u in focus for x in routes.get(snapshot.techs[u].id, ())}
    routed = {x for r in routes.values() for x in r}
    own = [j for j, job in enumerate(snapshot.jobs) if job.id in mine]
    free = [j for j, job in enumerate(snapshot.jobs)
            if job.id not in routed and job.id not in taken]
    legs = np.asarray(snapshot.travel)[[snapshot.jobs[j].location for j in free], site]
    extra = [free[k] for k in np.argsort(legs, kind="stable")[:NEARBY_UNROUTED]]
    taken |= {snapshot.jobs[j].id for j in own + extra}
    return cut(snapshot, focus, sorted(own + extra), routes)


def soonest(snapshot: Snapshot, job: Job, params: SolveParams, count: int) -> list[int]:
    """The `count` technicians allowed to take `job` who could reach it first if they
    dropped everything (their position and `available_at` only)."""
    allowed = eligible_matrix(dataclasses.replace(snapshot, jobs=(job,)), params)[0][0]
    where = np.fromiter((t.location for t in snapshot.techs), np.int64)
    free = np.fromiter((t.available_at for t in snapshot.techs), np.int64)
    reach = np.where(allowed, free + np.asarray(snapshot.travel)[where, job.location],
                     np.iinfo(np.int64).max)
    return [int(v) for v in np.argsort(reach, kind="stable")[:count] if allowed[v]]
