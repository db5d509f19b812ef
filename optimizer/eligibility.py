"""Which technicians may take each job, and a readable reason when none may.

The same checks restrict the model (allowed vehicles) and explain dropped jobs afterwards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from optimizer.crews import is_lead, shortfalls
from optimizer.params import SolveParams
from optimizer.snapshot import Job, Snapshot, Tech

CAPACITY_REASON = "qualified technicians are fully booked (capacity)"
NO_SOLUTION_REASON = "the solver found no plan within the time budget"
CREW_REASON = ("its crew cannot be on site together: too few qualified technicians have the "
               "time at once")
BIG = 10**12  # stands in for an open window bound


@dataclass(frozen=True)
class Eligibility:
    """Vehicles (tech indices) allowed for one job; `reason` says why, when there are none."""

    vehicles: tuple[int, ...]
    reason: str | None = None  # pragma: no mutate (its annotation is never evaluated)
    started: int | None = None  # pragma: no mutate (the vehicle it is locked first on)


def default_reason(job: Job) -> str:
    """Why an allowed job was left out: no room (`CAPACITY_REASON`, `CREW_REASON`)."""
    return CAPACITY_REASON if job.crew is None else CREW_REASON


def route_cap(tech: Tech, params: SolveParams) -> int:
    """Latest time the technician's route may end (never before he is available)."""
    return max(tech.shift_end + params.max_overtime, tech.available_at)


def horizon(snapshot: Snapshot, params: SolveParams) -> int:
    """Upper bound of every time in the model: the latest route end of any technician."""
    return max((route_cap(t, params) for t in snapshot.techs), default=0)


def drop_penalties(snapshot: Snapshot, params: SolveParams) -> list[int]:
    """Cost of dropping each job: more than its worst lateness plus what serving it adds.

    A crew is one ticket: its lead member carries the base `drop_penalty` once, and every
    member its own worst lateness, overtime and travel, so a crew of N costs the base plus
    N such bounds to drop. Serving it late still beats dropping it (a penalty split N ways
    would make a crew N times cheaper to drop than what serving it may cost), and it never
    costs less to drop than a one-person ticket of the same urgency; N one-person tickets
    of that urgency, which need the same N technicians, weigh more (N bases).
    """
    if not snapshot.jobs:
        return []
    span = horizon(snapshot, params)
    max_travel = int(snapshot.travel.max())  # jobs have places: the matrix is not empty
    extra = params.overtime_weight * params.max_overtime + 2 * max_travel
    return [extra + (params.drop_penalty if is_lead(job) else 0)
            + job.late_weight * (span + (0 if job.due is None else max(0, -job.due)))
            for job in snapshot.jobs]


def eligibilities(snapshot: Snapshot, params: SolveParams) -> tuple[Eligibility, ...]:
    """One `Eligibility` per job of the snapshot, in order (vectorised over jobs x techs)."""
    if not snapshot.jobs:
        return ()
    allowed, stage = eligible_matrix(snapshot, params)
    found = [
        Eligibility(tuple(np.flatnonzero(row).tolist())) if stage[j] == _OK
        else Eligibility((), _reason(snapshot, params, j, stage[j]))
        for j, row in enumerate(allowed)
    ]
    return tuple(_lock_started(found, snapshot))


_NO_SKILL, _NO_PIN, _PIN_SKILL, _NO_WINDOW, _NO_SHIFT, _OK, _NO_CREW, _NO_AREA = range(8)


def eligible_matrix(snapshot: Snapshot, params: SolveParams) -> tuple[np.ndarray, np.ndarray]:
    """(allowed, stage): a bool jobs x techs matrix, and per job the first check that left
    no technician (`_OK` when some remain); every member of a crew that cannot be staffed
    (`crews.shortfalls`) has none. Started jobs are not locked here."""
    allowed, stage = _each_matrix(snapshot, params)
    if any(job.crew is not None for job in snapshot.jobs):
        for j in shortfalls(snapshot, allowed):
            allowed[j] = False
            stage[j] = stage[j] if stage[j] != _OK else _NO_CREW
    return allowed, stage


def _each_matrix(snapshot: Snapshot, params: SolveParams) -> tuple[np.ndarray, np.ndarray]:
    """`eligible_matrix` of each job on its own, crews not considered."""
    techs, jobs = snapshot.techs, snapshot.jobs
    tech_loc = np.fromiter((t.location for t in techs), np.int64, len(techs))
    avail = np.fromiter((t.available_at for t in techs), np.int64, len(techs))
    caps = np.fromiter((route_cap(t, params) for t in techs), np.int64, len(techs))
    job_loc = np.fromiter((j.location for j in jobs), np.int64, len(jobs))
    skilled = _skill_matrix(snapshot)
    pinned = _pin_matrix(snapshot)
    arrival = avail[None, :] + np.asarray(snapshot.travel)[np.ix_(job_loc, tech_loc)]
    lo, hi = _window_bounds(jobs)
    start = np.maximum(arrival, lo[:, None])
    service = np.fromiter((j.service for j in jobs), np.int64, len(jobs))
    steps = [skilled, _bar_matrix(snapshot), pinned, start <= hi[:, None],
             start + service[:, None] <= caps[None, :]]
    allowed = np.ones_like(skilled)
    stage = np.where(allowed.any(axis=1), _OK, _NO_SKILL)
    for k, mask in enumerate(steps):
        was = allowed.any(axis=1)
        allowed &= mask
        stage[was & ~allowed.any(axis=1)] = (_NO_SKILL, _NO_AREA, _NO_PIN, _NO_WINDOW,
                                             _NO_SHIFT)[k]
    return allowed, stage


def _skill_matrix(snapshot: Snapshot) -> np.ndarray:
    names = sorted({j.skill for j in snapshot.jobs})
    col = {s: k for k, s in enumerate(names)}
    held = np.array([[s in t.skills for s in names] for t in snapshot.techs], dtype=bool)
    held = held.reshape(len(snapshot.techs), len(names))
    return held[:, [col[j.skill] for j in snapshot.jobs]].T


def _bar_matrix(snapshot: Snapshot) -> np.ndarray:
    """False where a technician is barred from a job (outside the home area he is kept to)."""
    index = {t.id: v for v, t in enumerate(snapshot.techs)}
    out = np.ones((len(snapshot.jobs), len(snapshot.techs)), dtype=bool)
    for j, job in enumerate(snapshot.jobs):
        for tech_id in job.barred_techs:
            if tech_id in index:
                out[j, index[tech_id]] = False
    return out


def _pin_matrix(snapshot: Snapshot) -> np.ndarray:
    index = {t.id: v for v, t in enumerate(snapshot.techs)}
    out = np.ones((len(snapshot.jobs), len(snapshot.techs)), dtype=bool)
    for j, job in enumerate(snapshot.jobs):
        if job.pinned_to is not None:
            out[j] = False
            v = index.get(job.pinned_to)
            if v is not None:
                out[j, v] = True
    return out


def _window_bounds(jobs: tuple[Job, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Hard (earliest start, latest start) per job; open jobs get (-inf, +inf) stand-ins."""
    lo = np.array([j.window[0] if j.window else -BIG for j in jobs], dtype=np.int64)
    hi = np.array([j.window[1] if j.window else BIG for j in jobs], dtype=np.int64)
    return lo, hi


def _reason(snapshot: Snapshot, params: SolveParams, j: int, stage: int) -> str:
    job = snapshot.jobs[j]
    if job.crew is not None:
        few = [k for k, other in enumerate(snapshot.jobs) if other.crew == job.crew]
        crew = dataclasses.replace(snapshot, jobs=tuple(snapshot.jobs[k] for k in few))
        reason = shortfalls(crew, _each_matrix(crew, params)[0]).get(few.index(j))
        if reason is not None:
            return f"crew ticket {job.crew}: {reason}"
    if stage == _NO_SKILL:
        return f"no technician on shift has skill '{job.skill}'"
    if stage == _NO_AREA:
        return f"outside the home areas of every technician with skill '{job.skill}'"
    if stage == _NO_PIN:
        tech = next((t for t in snapshot.techs if t.id == job.pinned_to), None)
        if tech is None:
            return f"pinned to {job.pinned_to}, who is not on shift"
        return f"pinned to {job.pinned_to}, who lacks skill '{job.skill}'"
    if stage == _NO_WINDOW:
        return _window_reason(job, _earliest(snapshot, job))
    return ("no qualified technician can reach and finish it before "
            "shift end + maximum overtime")


def _earliest(snapshot: Snapshot, job: Job) -> int:
    """Earliest arrival of a qualified technician (the pinned one, if any)."""
    techs = [t for t in snapshot.techs if job.skill in t.skills
             and job.pinned_to in (None, t.id)]
    return min(_earliest_arrival(t, job, snapshot.travel) for t in techs)


def _earliest_arrival(tech: Tech, job: Job, travel: np.ndarray) -> int:
    return tech.available_at + int(travel[tech.location, job.location])


def _window_reason(job: Job, earliest: int) -> str:
    assert job.window is not None  # only a windowed job can miss its window
    start, end = job.window
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
