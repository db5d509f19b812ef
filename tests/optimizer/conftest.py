"""Small snapshot builders, a hypothesis strategy for random snapshots and a plan checker.

Test modules import these with ``from tests.optimizer.conftest import ...`` (run pytest from
the repository root, e.g. ``python -m pytest``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from optimizer import Job, Plan, Snapshot, SolveParams, Tech
from optimizer.eligibility import drop_penalties, route_cap

SKILLS = ("electrician", "plumber", "locksmith")
HOUR = 3600


def line_travel(positions: list[int]) -> np.ndarray:
    """Travel seconds between points on a line: |x_i - x_j|."""
    x = np.asarray(positions, dtype=np.int64)
    return np.abs(x[:, None] - x[None, :])


def plane_travel(points: np.ndarray, seconds_per_unit: float = 60.0) -> np.ndarray:
    """Rounded euclidean travel seconds between 2-D points."""
    dist = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    return np.rint(dist * seconds_per_unit).astype(np.int64)


def plan_routes(plan: Plan) -> dict[str, tuple[str, ...]]:
    """A plan's routes as a warm start: technician id -> planned (not in-progress) job ids."""
    return {r.tech_id: tuple(s.job_id for s in r.stops if not s.in_progress) for r in plan.routes}


@st.composite
def snapshots(draw, max_techs: int = 4, max_jobs: int = 10, warm: bool = True) -> Snapshot:
    """Random small snapshots: skills, pins (some to absent techs), windows, started jobs,
    current jobs and, when `warm`, a random (possibly invalid) warm start."""
    n_locs = draw(st.integers(2, 12))
    coords = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)),
                           min_size=n_locs, max_size=n_locs))
    travel = plane_travel(np.asarray(coords, dtype=float))
    techs = draw(_techs(n_locs, max_techs))
    jobs = draw(_jobs(n_locs, techs, max_jobs))
    warm_start = draw(_warm_start(techs, jobs)) if warm else {}
    return Snapshot(techs, jobs, travel, warm_start)


@st.composite
def _techs(draw, n_locs: int, max_techs: int) -> tuple[Tech, ...]:
    techs = []
    for t in range(draw(st.integers(1, max_techs))):
        skills = draw(st.frozensets(st.sampled_from(SKILLS), min_size=1))
        available = draw(st.integers(0, HOUR))
        current = f"cur{t}" if available > 0 and draw(st.booleans()) else None
        shift_end = draw(st.integers(2 * HOUR, 8 * HOUR))
        techs.append(Tech(f"t{t}", skills, draw(st.integers(0, n_locs - 1)),
                          available, shift_end, current))
    return tuple(techs)


@st.composite
def _jobs(draw, n_locs: int, techs: tuple[Tech, ...], max_jobs: int) -> tuple[Job, ...]:
    jobs, started = [], set()
    for j in range(draw(st.integers(1, max_jobs))):
        skill = draw(st.sampled_from((*SKILLS, "elevator")))
        due = draw(st.none() | st.integers(-HOUR, 10 * HOUR))
        window = None
        if draw(st.integers(0, 3)) == 0:
            start = draw(st.integers(0, 8 * HOUR))
            window = (start, start + draw(st.integers(0, 3 * HOUR)))
        pin = draw(st.none() | st.sampled_from([t.id for t in techs] + ["ghost"]))
        by = draw(st.none() | st.sampled_from([t.id for t in techs] or ["ghost"]))
        if by is not None and by not in started:
            started.add(by)
        else:
            by = None
        jobs.append(Job(f"j{j}", draw(st.integers(0, n_locs - 1)), skill,
                        draw(st.integers(10, 90)) * 60, due=due,
                        late_weight=draw(st.sampled_from((1, 10, 100))),
                        window=window, pinned_to=pin, started_by=by))
    return tuple(jobs)


@st.composite
def _warm_start(draw, techs, jobs) -> dict[str, tuple[str, ...]]:
    tech_ids = [t.id for t in techs] + ["ghost"]
    job_ids = [j.id for j in jobs] + ["unknown"]
    routes = draw(st.dictionaries(st.sampled_from(tech_ids),
                                  st.lists(st.sampled_from(job_ids), max_size=5), max_size=3))
    return {k: tuple(v) for k, v in routes.items()}


def check_plan(snapshot: Snapshot, plan: Plan, params: SolveParams) -> None:
    """Assert every invariant a plan must satisfy, whatever the snapshot."""
    jobs = {job.id: job for job in snapshot.jobs}
    placed = [s.job_id for r in plan.routes for s in r.stops if not s.in_progress]
    dropped = [u.job_id for u in plan.unassigned]
    assert sorted(placed + dropped) == sorted(jobs), "each job placed or unassigned once"
    assert all(u.reason for u in plan.unassigned)
    assert [r.tech_id for r in plan.routes] == [t.id for t in snapshot.techs]
    for tech, route in zip(snapshot.techs, plan.routes, strict=True):
        _check_route(snapshot, params, tech, route, jobs)
    _check_objective(snapshot, plan, params)


def _check_route(snapshot, params, tech, route, jobs) -> None:
    stops = list(route.stops)
    if tech.current_job:
        first = stops.pop(0)
        assert first.in_progress and first.job_id == tech.current_job
        assert (first.arrival, first.start, first.end) == (0, 0, tech.available_at)
    now, where = tech.available_at, tech.location
    for position, stop in enumerate(stops):
        job = jobs[stop.job_id]
        assert job.skill in tech.skills, "skills are hard"
        assert job.pinned_to in (None, tech.id), "pins are hard"
        assert job.started_by != tech.id or position == 0, "a started job comes first"
        assert stop.travel == snapshot.travel[where, job.location]
        assert stop.arrival == now + stop.travel, "arrival is previous end plus travel"
        window_start = job.window[0] if job.window else stop.arrival
        assert stop.start == max(stop.arrival, window_start)
        assert job.window is None or stop.start <= job.window[1], "windows are hard"
        assert stop.end == stop.start + job.service
        assert stop.late == (max(0, stop.start - job.due) if job.due is not None else 0)
        now, where = stop.end, job.location
    assert route.end == now <= route_cap(tech, params)
    assert route.overtime == max(0, now - tech.shift_end)


def _check_objective(snapshot: Snapshot, plan: Plan, params: SolveParams) -> None:
    objective = plan.objective
    penalty = dict(zip((j.id for j in snapshot.jobs), drop_penalties(snapshot, params),
                       strict=True))
    expected = objective.travel + objective.lateness + params.overtime_weight * objective.overtime
    expected += sum(penalty[u.job_id] for u in plan.unassigned)
    assert objective.dropped == len(plan.unassigned)
    assert objective.total == expected, "the solver's objective matches the reported times"


def seeded_snapshot(seed: int, n_techs: int = 3, n_jobs: int = 9) -> Snapshot:
    """A reproducible snapshot where every job has a qualified technician on shift."""
    rng = np.random.default_rng(seed)
    travel = plane_travel(rng.uniform(0, 30, (n_techs + n_jobs, 2)))
    techs = tuple(
        Tech(f"t{v}", frozenset(rng.choice(SKILLS, size=2, replace=False).tolist()), v)
        for v in range(n_techs)
    )
    held = sorted(set().union(*(t.skills for t in techs)))
    jobs = tuple(
        Job(f"j{j}", n_techs + j, str(rng.choice(held)), int(rng.integers(10, 60)) * 60,
            due=int(rng.integers(0, 6 * HOUR)), late_weight=int(rng.choice([1, 10])))
        for j in range(n_jobs)
    )
    return Snapshot(techs, jobs, travel)
