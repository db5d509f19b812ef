"""Synthetic cities for the scale benchmark, and the single events that change them.

Unlike `snapshot_solve.synthetic_snapshot` (a fixed 10 km square, ~35 % more work than
50 technicians can carry), the city grows with its team (50 technicians per 100 km2) and
service times are scaled to a `load`: the expected share of the shifts that service and
travel fill. Spare sites are kept in the matrix for tickets that arrive later.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from benchmarks.snapshot_solve import JOB_SKILL_SHARE, JOB_SKILLS, SECONDS_PER_KM, SKILLS
from optimizer import Job, Plan, Snapshot, Tech

HOUR = 3600
TRAVEL_PER_JOB_MIN = 6.0  # rough drive between neighbouring jobs at this density


@dataclasses.dataclass(frozen=True)
class City:
    """A snapshot plus the spare sites future tickets appear at."""

    snapshot: Snapshot
    spare: tuple[int, ...]
    mean_service: int


def city(n_techs: int, n_jobs: int, seed: int, load: float = 0.9, spare: int = 100) -> City:
    """A reproducible city: technicians uniform, jobs half around neighbourhoods.

    Parameters
    ----------
    n_techs, n_jobs : sizes.
    seed : seed of every random draw.
    load : expected (service + travel) / shift hours of the whole team.
    spare : extra sites for tickets created by events.
    """
    rng = np.random.default_rng(seed)
    side = 10.0 * np.sqrt(n_techs / 50)
    hoods = rng.uniform(1, side - 1, (max(5, n_techs // 10), 2))
    n_sites = n_jobs + spare
    clustered = hoods[rng.integers(0, len(hoods), n_sites // 2)]
    clustered = clustered + rng.normal(0, 0.7, (n_sites // 2, 2))
    scattered = rng.uniform(0, side, (n_sites - n_sites // 2, 2))
    sites = np.vstack([np.clip(clustered, 0, side), scattered])
    points = np.vstack([rng.uniform(0, side, (n_techs, 2)), rng.permutation(sites)])
    travel = _travel(points)
    minutes = load * 8 * 60 * n_techs / max(1, n_jobs) - TRAVEL_PER_JOB_MIN
    mean = int(max(10.0, minutes) * 60)
    techs = tuple(_tech(rng, v) for v in range(n_techs))
    jobs = tuple(new_job(rng, f"job{j}", n_techs + j, mean) for j in range(n_jobs))
    spares = tuple(range(n_techs + n_jobs, n_techs + n_sites))
    return City(Snapshot(techs, jobs, travel), spares, mean)


def _travel(points: np.ndarray) -> np.ndarray:
    """Rounded travel seconds, computed in row blocks to bound memory."""
    out = np.empty((len(points), len(points)), dtype=np.int64)
    for a in range(0, len(points), 1024):
        km = np.linalg.norm(points[a:a + 1024, None, :] - points[None, :, :], axis=2)
        out[a:a + 1024] = np.rint(km * SECONDS_PER_KM)
    return out


def _tech(rng: np.random.Generator, v: int) -> Tech:
    """2-3 skills, "general" for 80 %; a fifth are finishing a job (up to an hour)."""
    extra = rng.choice(SKILLS, size=int(rng.integers(1, 3)), replace=False).tolist()
    skills = frozenset(extra + (["general"] if rng.random() < 0.8 else [SKILLS[v % 7]]))
    busy = rng.random() < 0.2
    available = int(rng.integers(5, 60)) * 60 if busy else 0
    return Tech(f"tech{v}", skills, v, available, 8 * HOUR, f"current{v}" if busy else None)


def new_job(rng: np.random.Generator, job_id: str, location: int, mean: int,
            urgency: str | None = None) -> Job:
    """10 % emergency (due 30 min), 60 % routine (24 h), 30 % scheduled 2-hour window."""
    skill = str(rng.choice(JOB_SKILLS, p=JOB_SKILL_SHARE))
    service = max(600, int(rng.uniform(0.5, 1.5) * mean) // 60 * 60)
    kind = rng.random() if urgency is None else {"emergency": 0.0, "routine": 0.5}[urgency]
    if kind < 0.1:
        return Job(job_id, location, "general" if urgency else skill, service, "emergency",
                   1800, 100)
    if kind < 0.7:
        return Job(job_id, location, skill, service, "routine", 24 * HOUR, 1)
    start = int(rng.integers(0, 7)) * HOUR
    return Job(job_id, location, skill, service, "scheduled", start + 2 * HOUR, 10,
               window=(start, start + 2 * HOUR))


@dataclasses.dataclass(frozen=True)
class Event:
    """One change: the snapshot after it, technicians it touched and where it happened."""

    kind: str  # "ticket" | "gps" | "completion"
    snapshot: Snapshot
    touched: tuple[str, ...]
    site: int
    job_id: str | None = None


def next_event(rng: np.random.Generator, c: City, snapshot: Snapshot, plan: Plan, k: int
               ) -> Event:
    """A random single event: 40 % new ticket, 40 % GPS fix, 20 % completion."""
    roll = rng.random()
    busy = [r for r in plan.routes if any(not s.in_progress for s in r.stops)]
    if roll < 0.4 or not busy:
        job = new_job(rng, f"event{k}", int(rng.choice(c.spare)), c.mean_service)
        return Event("ticket", dataclasses.replace(snapshot, jobs=(*snapshot.jobs, job)),
                     (), job.location, job.id)
    route = busy[int(rng.integers(len(busy)))]
    v = next(i for i, t in enumerate(snapshot.techs) if t.id == route.tech_id)
    tech = snapshot.techs[v]
    if roll < 0.8:
        near = np.argpartition(snapshot.travel[tech.location], 20)[:20]
        moved = dataclasses.replace(tech, location=int(rng.choice(near)))
        return _with_tech(snapshot, v, moved, "gps", moved.location)
    done = next(s.job_id for s in route.stops if not s.in_progress)
    job = next(j for j in snapshot.jobs if j.id == done)
    freed = dataclasses.replace(tech, location=job.location, available_at=0, current_job=None)
    rest = tuple(j for j in snapshot.jobs if j.id != done)
    return _with_tech(dataclasses.replace(snapshot, jobs=rest), v, freed, "completion",
                      job.location)


def _with_tech(snapshot: Snapshot, v: int, tech: Tech, kind: str, site: int) -> Event:
    techs = (*snapshot.techs[:v], tech, *snapshot.techs[v + 1:])
    return Event(kind, dataclasses.replace(snapshot, techs=techs), (tech.id,), site)
