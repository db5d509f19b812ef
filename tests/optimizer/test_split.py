"""Regions, local re-plans and provisional insertion stitch valid plans."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings

from optimizer import Job, Snapshot, SolveParams, solve
from optimizer.construct import construct_plan
from optimizer.eligibility import drop_penalties
from optimizer.insert import insert_job
from optimizer.regions import solve_regions
from optimizer.replan import replan
from tests.optimizer.conftest import check_plan, seeded_snapshot, snapshots

PARAMS = SolveParams(time_budget_ms=100)


@pytest.mark.parametrize("seed", range(3))
def test_regions_cover_every_job_once(seed: int) -> None:
    """Regions of 2 technicians stitch into one valid plan placing each job once."""
    snapshot = seeded_snapshot(seed, n_techs=5, n_jobs=20)
    plan = solve_regions(snapshot, PARAMS, size=2)
    check_plan(snapshot, plan, PARAMS)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_local_replan_after_a_new_job_is_valid(snapshot: Snapshot) -> None:
    """A new job near technician 0, re-planned locally: every rule still holds."""
    plan = construct_plan(snapshot, PARAMS)
    tech = snapshot.techs[0]
    new = Job("new", tech.location, sorted(tech.skills)[0], 600, due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, new))
    check_plan(grown, replan(grown, plan, PARAMS, (), tech.location, 1, 50), PARAMS)
    provisional = insert_job(grown, plan, "new", PARAMS)
    check_plan(grown, provisional.plan, PARAMS)
    if provisional.tech_id is not None:
        route = provisional.plan.route_of(provisional.tech_id)
        planned = [s.job_id for s in route.stops if not s.in_progress]
        assert planned[provisional.position] == "new"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_local_replan_after_a_move_is_valid(snapshot: Snapshot) -> None:
    """Technician 0 moves (a GPS fix): stops he can no longer keep are re-placed or
    unassigned with a reason, never kept broken."""
    plan = solve(snapshot, PARAMS)
    moved = dataclasses.replace(snapshot.techs[0], location=len(snapshot.travel) - 1)
    after = dataclasses.replace(snapshot, techs=(moved, *snapshot.techs[1:]))
    check_plan(after, replan(after, plan, PARAMS, (moved.id,), moved.location, 1, 50), PARAMS)


@pytest.mark.parametrize("seed", range(3))
def test_replan_with_a_background_neighbourhood_is_valid(seed: int) -> None:
    """Improving another neighbourhood meanwhile (here in a thread) still stitches a valid
    plan: the two parts share no technician and no job."""
    snapshot = seeded_snapshot(seed, n_techs=6, n_jobs=24)
    plan = construct_plan(snapshot, PARAMS)
    tech = snapshot.techs[0]
    new = Job("new", tech.location, sorted(tech.skills)[0], 600, due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, new))
    with ThreadPoolExecutor(1) as pool:
        after = replan(grown, plan, PARAMS, (), tech.location, 1, 50, pool=pool, background=5)
    check_plan(grown, after, PARAMS)
    assert after.objective.total <= plan.objective.total + drop_penalties(grown, PARAMS)[-1]
