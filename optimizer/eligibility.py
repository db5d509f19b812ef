"""Which technicians may take each job, and a readable reason when none may.

The same checks restrict the model (allowed vehicles) and explain dropped jobs afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.params import SolveParams
from optimizer.snapshot import Job, Snapshot, Tech

CAPACITY_REASON = "qualified technicians are fully booked (capacity)"
NO_SOLUTION_REASON = "the solver found no plan within the time budget"


@dataclass(frozen=True)
class Eligibility:
    """Vehicles (tech indices) allowed for one job; `reason` says why, when there are none."""

    vehicles: tuple[int, ...]
    reason: str | None = None
    started: int | None = None  # vehicle on which the job is locked first


def route_cap(tech: Tech, params: SolveParams) -> int:
    """Latest time the technician's route may end (never before he is available)."""
    return max(tech.shift_end + params.max_overtime, tech.available_at)


def horizon(snapshot: Snapshot, params: SolveParams) -> int:
    """Upper bound of every time in the model: the latest route end of any technician."""
    return max((route_cap(t, params) for t in snapshot.techs), default=0)


def drop_penalties(snapshot: Snapshot, params: SolveParams) -> list[int]:
    """Cost of dropping each job: more than its worst lateness plus what serving it adds."""
    span = horizon(snapshot, params)
    max_travel = int(snapshot.travel.max()) if snapshot.travel.size else 0
    extra = params.drop_penalty + params.overtime_weight * params.max_overtime + 2 * max_travel
    return [extra + job.late_weight * (span + max(0, -(job.due or 0))) for job in snapshot.jobs]


def eligibilities(snapshot: Snapshot, params: SolveParams) -> tuple[Eligibility, ...]:
    """One `Eligibility` per job of the snapshot, in order."""
    found = [_eligibility(job, snapshot, params) for job in snapshot.jobs]
    return tuple(_lock_started(found, snapshot))


def _eligibility(job: Job, snapshot: Snapshot, params: SolveParams) -> Eligibility:
    techs = snapshot.techs
    qualified = [v for v, t in enumerate(techs) if job.skill in t.skills]
    if not qualified:
        return Eligibility((), f"no technician on shift has skill '{job.skill}'")
    if job.pinned_to is not None:
        pin = next((v for v, t in enumerate(techs) if t.id == job.pinned_to), None)
        if pin is None:
            return Eligibility((), f"pinned to {job.pinned_to}, who is not on shift")
        if pin not in qualified:
            return Eligibility((), f"pinned to {job.pinned_to}, who lacks skill '{job.skill}'")
        qualified = [pin]
    arrivals = {v: _earliest_arrival(techs[v], job, snapshot.travel) for v in qualified}
    in_window = [v for v in qualified if _reaches_window(job, arrivals[v])]
    if not in_window:
        return Eligibility((), _window_reason(job, min(arrivals.values())))
    in_shift = [v for v in in_window if _finish(job, arrivals[v]) <= route_cap(techs[v], params)]
    if not in_shift:
        return Eligibility((), "no qualified technician can reach and finish it before "
                           "shift end + maximum overtime")
    return Eligibility(tuple(in_shift))


def _earliest_arrival(tech: Tech, job: Job, travel: np.ndarray) -> int:
    return tech.available_at + int(travel[tech.location, job.location])


def _reaches_window(job: Job, arrival: int) -> bool:
    return job.window is None or max(arrival, job.window[0]) <= job.window[1]


def _finish(job: Job, arrival: int) -> int:
    start = max(arrival, job.window[0]) if job.window else arrival
    return start + job.service


def _window_reason(job: Job, earliest: int) -> str:
    start, end = job.window or (0, 0)
    return (f"appointment window {clock(start)}-{clock(end)} cannot be reached by any "
            f"qualified technician (earliest arrival {clock(earliest)})")


def _lock_started(found: list[Eligibility], snapshot: Snapshot) -> list[Eligibility]:
    """Lock each started job first on its technician's route when that is allowed.

    A started job whose technician is not allowed (off shift, pin, skill, window) or who
    already has another started job is planned like any other job.
    """
    index = {t.id: v for v, t in enumerate(snapshot.techs)}
    taken: set[int] = set()
    for j, job in enumerate(snapshot.jobs):
        v = index.get(job.started_by) if job.started_by else None
        if v is not None and v in found[j].vehicles and v not in taken:
            taken.add(v)
            found[j] = Eligibility((v,), None, started=v)
    return found


def clock(seconds: int) -> str:
    """Seconds from now as a short signed duration, e.g. ``+1h05m``."""
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}h{rest // 60:02d}m"
