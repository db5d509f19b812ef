"""What changed in a region since its last solve, so that a re-plan can stay local.

A burst of events (a new ticket, a status, a GPS fix) changes a few technicians and tickets
of a city. Comparing the new snapshot with the last one solved finds them, whatever the
events were, so the server's worker and the simulator need not say: the technicians whose
position (unless they are driving to a started job), availability, shift or lock changed,
the tickets that are new or changed (a pin, a start, a window), and the routes that lost a
ticket. Times are compared in absolute terms, since each snapshot counts seconds from its
own instant.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from dispatcher.planning.snapshot import Built
from optimizer import Job, Plan, SolveParams, Tech
from optimizer.replan import replan, stitch

LOCAL_SHARE = 0.25  # more technicians changed than this share (and than LOCAL_FEW): a full solve
LOCAL_FEW = 4


@dataclass(frozen=True)
class Change:
    """The technicians to re-plan and the tickets to place again, with where it happened.

    `site` is the matrix index of the first new ticket or touched technician (None: nothing
    changed); `gone` counts technicians who left the snapshot (their tickets are in `jobs`).
    """

    techs: tuple[str, ...]
    jobs: tuple[str, ...]
    site: int | None
    gone: int = 0


def changes(before: Built, plan: Plan, after: Built) -> Change:
    """Technicians and tickets of `after` that differ from `before` (solved into `plan`)."""
    owner = {s.job_id: r.tech_id for r in plan.routes for s in r.stops if not s.in_progress}
    old_techs = {t.id: _tech_key(t, before, _driving(before)) for t in before.snapshot.techs}
    old_jobs = {j.id: _job_key(j, before) for j in before.snapshot.jobs}
    now_jobs = {j.id for j in after.snapshot.jobs}
    driving = _driving(after)
    touched = [t.id for t in after.snapshot.techs
               if old_techs.get(t.id) != _tech_key(t, after, driving)]
    present = {t.id for t in after.snapshot.techs}
    gone = [tech for tech in old_techs if tech not in present]
    jobs = [j.id for j in after.snapshot.jobs if old_jobs.get(j.id) != _job_key(j, after)]
    jobs += [x for x, tech in owner.items() if tech in gone and x in now_jobs]
    for x in jobs:
        touched += [t for t in _people(after, x, owner) if t in present]
    touched += [owner[x] for x in old_jobs if x not in now_jobs and owner.get(x) in present]
    touched = list(dict.fromkeys(touched))
    return Change(tuple(touched), tuple(dict.fromkeys(jobs)), _site(after, touched, jobs),
                  len(gone))


def forget(plan: Plan, jobs: tuple[str, ...], gone: set[str] | None = None) -> Plan:
    """`plan` without these tickets (so a re-plan places them as new) and without the routes
    of technicians who are `gone`."""
    drop, gone = set(jobs), gone or set()
    routes = tuple(dataclasses.replace(r, stops=tuple(s for s in r.stops if s.job_id not in drop))
                   for r in plan.routes if r.tech_id not in gone)
    unassigned = tuple(u for u in plan.unassigned if u.job_id not in drop)
    return dataclasses.replace(plan, routes=routes, unassigned=unassigned)


def _people(after: Built, job_id: str, owner: dict[str, str]) -> list[str]:
    """Technicians a changed ticket concerns: its previous owner, pin and starter."""
    job = next(j for j in after.snapshot.jobs if j.id == job_id)
    return [t for t in (owner.get(job_id), job.pinned_to, job.started_by) if t is not None]


def _site(after: Built, techs: list[str], jobs: list[str]) -> int | None:
    located = {j.id: j.location for j in after.snapshot.jobs}
    located.update({t.id: t.location for t in after.snapshot.techs})
    for key in (*jobs, *techs):
        if key in located:
            return located[key]
    return None


def _driving(b: Built) -> set[str]:
    """Technicians on their way to a job they started."""
    return {j.started_by for j in b.snapshot.jobs if j.started_by is not None}


def _tech_key(t: Tech, b: Built, driving: set[str]) -> Hashable:
    # A GPS fix of a technician driving to a started job does not change his route (that job
    # stays first, the rest follows); `stitch` re-times it. Counted as a change, 60 drivers'
    # fixes made most re-plans of a city full ones.
    where = None if t.id in driving else b.coords[t.location]
    return (where, _at(b.now, t.available_at), _at(b.now, t.shift_end, clip=False),
            t.current_job, t.locked, t.skills, t.capacity)


def _job_key(j: Job, b: Built) -> Hashable:
    window = None if j.window is None else (_at(b.now, j.window[0]), _at(b.now, j.window[1]))
    return (b.coords[j.location], j.skill, j.service, _at(b.now, j.due), j.late_weight, window,
            j.pinned_to, j.started_by, j.position, j.demand, j.crew, j.crew_tolerance,
            j.outside_techs, j.barred_techs)


def _at(now: datetime, seconds: int | None, clip: bool = True) -> float | None:
    """An offset from `now` as an absolute timestamp (to the minute, against rounding);
    None for "now or past", which a snapshot clips to 0."""
    if seconds is None or (clip and seconds <= 0):
        return None
    return round((now.timestamp() + seconds) / 60)


def replan_locally(before: Built, plan: Plan, after: Built, params: SolveParams,
                   budget_ms: int, share: float = LOCAL_SHARE) -> Plan | None:
    """`plan` brought up to `after` by re-planning only the routes near what changed, every
    route re-timed from the new instant and tickets with a fixed route position (a move,
    a locked route) in their place; None when more than `share` of the technicians (and
    `LOCAL_FEW`) changed, so that a full solve is needed instead."""
    began = time.perf_counter()
    snapshot = after.snapshot
    change = changes(before, plan, after)
    if len(change.techs) + change.gone > max(LOCAL_FEW, share * len(snapshot.techs)):
        return None
    gone = {t.id for t in before.snapshot.techs} - {t.id for t in snapshot.techs}
    base = forget(plan, change.jobs, gone)
    if change.site is not None:
        base = replan(snapshot, base, params, change.techs, change.site, budget_ms=budget_ms)
    known = {j.id for j in snapshot.jobs}
    routes = {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress
                               and s.job_id in known) for r in base.routes}
    status = base.status if change.site is not None else "retimed"
    return stitch(snapshot, base, params, routes, range(len(snapshot.techs)), status, began)
