"""Random snapshots with crew tickets and a checker of the crew rules, shared by the crew tests.

A crew ticket is N jobs sharing `Job.crew`: all N on N distinct qualified technicians, their
service starts and arrivals within the tolerance, or all N unassigned with a reason.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from optimizer import Job, Plan, Snapshot, SolveParams, Tech
from optimizer.crews import crews_of, member_id, tolerance
from optimizer.eligibility import route_cap
from tests.optimizer.conftest import HOUR, _check_objective, plane_travel

CREW_SKILLS = ("fire", "general", "plumber")


@st.composite
def crew_snapshots(draw, max_techs: int = 6, max_jobs: int = 12) -> Snapshot:
    """2-`max_techs` technicians, 3-`max_jobs` jobs of which 0-2 crews of 2-3 members with
    mixed skills; dues, windows, sometimes a started crew member."""
    n_locs = draw(st.integers(3, 10))
    coords = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)),
                           min_size=n_locs, max_size=n_locs))
    travel = plane_travel(np.asarray(coords, dtype=float))
    techs = tuple(
        Tech(f"t{v}", draw(st.frozensets(st.sampled_from(CREW_SKILLS), min_size=1)),
             draw(st.integers(0, n_locs - 1)), draw(st.integers(0, HOUR // 2)),
             draw(st.integers(3 * HOUR, 8 * HOUR)))
        for v in range(draw(st.integers(2, max_techs))))
    jobs: list[Job] = []
    for c in range(draw(st.integers(0, 2))):
        busy = {j.started_by for j in jobs}  # a technician is on his way to one job only
        jobs += draw(_crew(f"C{c}", n_locs, [t.id for t in techs if t.id not in busy]))
    for j in range(draw(st.integers(max(0, 3 - len(jobs)), max(3, max_jobs - len(jobs))))):
        jobs.append(Job(f"j{j}", draw(st.integers(0, n_locs - 1)),
                        draw(st.sampled_from(CREW_SKILLS)), draw(st.integers(10, 60)) * 60,
                        due=draw(st.none() | st.integers(0, 6 * HOUR)),
                        late_weight=draw(st.sampled_from((1, 10))), window=draw(_window())))
    return Snapshot(techs, tuple(jobs), travel)


@st.composite
def _crew(draw, ticket: str, n_locs: int, free: list[str]) -> list[Job]:
    size = draw(st.integers(2, 3))
    where, service = draw(st.integers(0, n_locs - 1)), draw(st.integers(10, 60)) * 60
    due, window = draw(st.none() | st.integers(0, 4 * HOUR)), draw(_window())
    slack = draw(st.sampled_from((0, 300, 600)))
    started = draw(st.none() | st.sampled_from(free)) if free else None
    return [Job(member_id(ticket, k), where, draw(st.sampled_from(CREW_SKILLS)), service,
                urgency="emergency", due=due, late_weight=draw(st.sampled_from((10, 100))),
                window=window, started_by=started if k == 1 else None, crew=ticket,
                crew_tolerance=slack)
            for k in range(1, size + 1)]


@st.composite
def _window(draw) -> tuple[int, int] | None:
    if draw(st.integers(0, 3)):
        return None
    start = draw(st.integers(0, 5 * HOUR))
    return start, start + draw(st.integers(0, 3 * HOUR))


def check_crew_plan(snapshot: Snapshot, plan: Plan, params: SolveParams) -> None:
    """Assert the crew rules, consistent timing (crew waits allowed) on every route and an
    objective that adds up (a dropped crew costs its members' penalties)."""
    jobs = {job.id: job for job in snapshot.jobs}
    placed = [s.job_id for r in plan.routes for s in r.stops if not s.in_progress]
    dropped = {u.job_id: u.reason for u in plan.unassigned}
    assert sorted([*placed, *dropped]) == sorted(jobs), "each job placed or unassigned once"
    assert all(dropped.values()), "every unassigned job has a reason"
    for tech, route in zip(snapshot.techs, plan.routes, strict=True):
        _check_timing(snapshot, params, tech, route, jobs)
    where = {s.job_id: (r.tech_id, s) for r in plan.routes for s in r.stops if not s.in_progress}
    techs = {t.id: t for t in snapshot.techs}
    for crew, members in crews_of(snapshot.jobs).items():
        ids = [snapshot.jobs[j].id for j in members]
        if not any(x in where for x in ids):
            assert all(x in dropped for x in ids), f"{crew}: all or none"
            continue
        assert all(x in where for x in ids), f"{crew}: all or none"
        assert len({where[x][0] for x in ids}) == len(ids), f"{crew}: distinct technicians"
        assert all(jobs[x].skill in techs[where[x][0]].skills for x in ids), "skills are hard"
        slack = tolerance(snapshot.jobs, members)
        for field in ("start", "arrival"):
            times = [getattr(where[x][1], field) for x in ids]
            assert max(times) - min(times) <= slack, f"{crew}: {field}s within tolerance"
    _check_objective(snapshot, plan, params)


def _check_timing(snapshot, params, tech, route, jobs) -> None:
    now, where = tech.available_at, tech.location
    for position, stop in enumerate(s for s in route.stops if not s.in_progress):
        job = jobs[stop.job_id]
        assert job.started_by != tech.id or position == 0, "a started job comes first"
        assert job.pinned_to in (None, tech.id)
        assert stop.travel == snapshot.travel[where, job.location]
        if job.crew is None:
            assert stop.arrival == now + stop.travel
        else:  # a crew member may leave later to meet his partners
            assert stop.arrival >= now + stop.travel
        assert stop.start == max(stop.arrival, job.window[0] if job.window else stop.arrival)
        assert job.window is None or stop.start <= job.window[1], "windows are hard"
        assert stop.end == stop.start + job.service
        now, where = stop.end, job.location
    assert route.end == now <= route_cap(tech, params)
