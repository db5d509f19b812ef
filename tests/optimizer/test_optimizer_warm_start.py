"""Re-solving from the previous plan, including when skills or jobs changed since."""

from __future__ import annotations

import dataclasses

import pytest

from optimizer import Job, SolveParams, solve
from tests.optimizer.conftest import check_plan, plan_routes, seeded_snapshot

PARAMS = SolveParams(time_budget_ms=300)


def resolve(snapshot, warm_start):
    """Solve `snapshot` warm-started from `warm_start` and check the plan's invariants."""
    snapshot = dataclasses.replace(snapshot, warm_start=warm_start)
    plan = solve(snapshot, PARAMS)
    check_plan(snapshot, plan, PARAMS)
    return plan


@pytest.mark.parametrize("seed", range(3))
def test_warm_start_with_a_new_job(seed: int) -> None:
    """Adding a job keeps the old routes valid: the re-solve is warm and places the job."""
    snapshot = seeded_snapshot(seed)
    first = solve(snapshot, PARAMS)
    tech = snapshot.techs[0]
    new = Job("new", tech.location, sorted(tech.skills)[0], 600, due=3600)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, new))
    plan = resolve(grown, plan_routes(first))
    assert plan.warm_started
    assert "new" in plan.assignment()


@pytest.mark.parametrize("seed", range(3))
def test_warm_start_does_not_get_worse(seed: int) -> None:
    """Re-solving the same snapshot from its plan never returns a worse objective."""
    snapshot = seeded_snapshot(seed)
    first = solve(snapshot, PARAMS)
    plan = resolve(snapshot, plan_routes(first))
    assert plan.warm_started
    assert plan.objective.total <= first.objective.total


@pytest.mark.parametrize("seed", range(3))
def test_warm_start_after_a_skill_is_lost(seed: int) -> None:
    """A technician losing a skill loses its jobs; the rest of the warm start is still used."""
    snapshot = seeded_snapshot(seed)
    first = solve(snapshot, PARAMS)
    busiest = max(first.routes, key=lambda r: len(r.stops))
    jobs = {job.id: job for job in snapshot.jobs}
    lost = jobs[busiest.stops[0].job_id].skill
    techs = tuple(
        dataclasses.replace(t, skills=t.skills - {lost}) if t.id == busiest.tech_id else t
        for t in snapshot.techs
    )
    plan = resolve(dataclasses.replace(snapshot, techs=techs), plan_routes(first))
    on_route = [jobs[s.job_id].skill for s in plan.route_of(busiest.tech_id).stops]
    assert lost not in on_route
    still_valid = [
        s for r in first.routes for s in r.stops
        if r.tech_id != busiest.tech_id or jobs[s.job_id].skill != lost
    ]
    assert plan.warm_started == bool(still_valid)


def test_entirely_invalid_warm_start_falls_back_to_cold() -> None:
    """A warm start whose only job now needs a skill its technician lacks solves cold."""
    snapshot = seeded_snapshot(0)
    tech = snapshot.techs[0]
    foreign = next(j for j in snapshot.jobs if j.skill not in tech.skills)
    plan = resolve(snapshot, {tech.id: (foreign.id, "unknown"), "ghost": ("j0",)})
    assert not plan.warm_started
    assert foreign.id not in [s.job_id for s in plan.route_of(tech.id).stops]


def test_started_job_is_put_first_in_the_warm_start() -> None:
    """A job started since the last plan goes first even if the old route had it later."""
    snapshot = seeded_snapshot(1)
    first = solve(snapshot, PARAMS)
    route = max(first.routes, key=lambda r: len(r.stops))
    last = route.stops[-1].job_id
    jobs = tuple(dataclasses.replace(j, started_by=route.tech_id) if j.id == last else j
                 for j in snapshot.jobs)
    plan = resolve(dataclasses.replace(snapshot, jobs=jobs), plan_routes(first))
    assert plan.warm_started
    assert plan.route_of(route.tech_id).stops[0].job_id == last
