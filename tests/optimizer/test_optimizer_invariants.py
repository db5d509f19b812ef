"""Hypothesis: whatever the snapshot, a plan keeps skills, pins, started jobs and times right."""

from hypothesis import given, settings

from optimizer import Snapshot, SolveParams, solve
from optimizer.eligibility import route_cap
from tests.optimizer.conftest import check_plan, snapshots

PARAMS = SolveParams(time_budget_ms=150)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(snapshots())
def test_plan_invariants(snapshot: Snapshot) -> None:
    """Skills, pins, windows, started-first, timing and objective hold on random snapshots."""
    plan = solve(snapshot, PARAMS)
    check_plan(snapshot, plan, PARAMS)
    _check_started_jobs_kept(snapshot, plan)


def _check_started_jobs_kept(snapshot: Snapshot, plan) -> None:
    """A started job its technician can still do stays first on his route."""
    techs = {t.id: t for t in snapshot.techs}
    for job in snapshot.jobs:
        tech = techs.get(job.started_by or "")
        if tech is None or not _can_do(snapshot, tech, job):
            continue
        route = plan.route_of(tech.id)
        first = [s for s in route.stops if not s.in_progress][0]
        assert first.job_id == job.id


def _can_do(snapshot, tech, job) -> bool:
    arrival = tech.available_at + int(snapshot.travel[tech.location, job.location])
    start = max(arrival, job.window[0]) if job.window else arrival
    in_window = job.window is None or start <= job.window[1]
    fits = start + job.service <= route_cap(tech, PARAMS)
    return job.skill in tech.skills and job.pinned_to in (None, tech.id) and in_window and fits
