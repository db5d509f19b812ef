"""Regions, local re-plans and provisional insertion stitch valid plans."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.construct import construct_plan
from optimizer.eligibility import drop_penalties
from optimizer.insert import insert_job
from optimizer.regions import solve_regions
from optimizer.replan import replan
from optimizer.split import honour_positions
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


def _stops(plan, tech_id: str) -> list[str]:
    return [s.job_id for s in plan.route_of(tech_id).stops if not s.in_progress]


@pytest.mark.parametrize("seed", range(3))
def test_regions_from_a_warm_start_keep_starts_and_positions(seed: int) -> None:
    """A whole-city solve by parts from the last plan's routes (one ticket of which was closed
    since): the started job stays first, a job moved to place 1 of another route is there,
    every other rule holds, and the jobs the last plan did not have are placed."""
    snapshot = seeded_snapshot(seed, n_techs=5, n_jobs=20)
    old = construct_plan(dataclasses.replace(snapshot, jobs=snapshot.jobs[:15]), PARAMS)
    warm = {r.tech_id: tuple(s.job_id for s in r.stops) for r in old.routes}
    busy = next(r.tech_id for r in old.routes if len(r.stops) >= 2)
    started = warm[busy][-1]  # he set off to his last stop instead of his first
    other = next(t for t in snapshot.techs if t.id != busy)
    moved = next(j for j in snapshot.jobs[:15] if j.skill in other.skills and j.id != started)
    jobs = tuple(dataclasses.replace(j, started_by=busy) if j.id == started else
                 dataclasses.replace(j, pinned_to=other.id, position=1) if j.id == moved.id
                 else j for j in snapshot.jobs)
    now = dataclasses.replace(snapshot, jobs=jobs)
    warm[busy] = ("closed-since", *warm[busy])  # the last plan's routes hold closed tickets
    plan = solve_regions(now, PARAMS, size=2, warm=warm, passes=1)
    check_plan(now, plan, PARAMS)
    assert _stops(plan, busy)[0] == started
    assert _stops(plan, other.id).index(moved.id) == min(1, len(_stops(plan, other.id)) - 1)
    assert len(plan.unassigned) <= len(construct_plan(now, PARAMS).unassigned)


def test_a_fixed_position_pushes_out_a_stop_it_makes_miss_its_window() -> None:
    """An emergency put first on a route whose next stop has a tight appointment: as in the
    routing model, the appointment is left out rather than kept broken."""
    travel = np.array([[0, 600, 600], [600, 0, 1200], [600, 1200, 0]])
    tech = Tech("t", frozenset({"general"}), 0)
    booked = Job("booked", 1, "general", 600, window=(600, 900))
    urgent = Job("urgent", 2, "general", 1800, pinned_to="t", position=0)
    snapshot = Snapshot((tech,), (booked, urgent), travel)
    routes, changed = honour_positions(snapshot, PARAMS, {"t": ("booked",)})
    assert routes == {"t": ("urgent",)} and changed == {"t"}
    assert honour_positions(snapshot, PARAMS, {"t": ("urgent",)}) == ({"t": ("urgent",)}, set())


def test_a_place_that_cannot_be_had_leaves_the_job_out() -> None:
    """Moved to place 2 of a route with one other job, or to place 0 of a route whose first
    job is under way: as in the routing model, the job is left out, the rest kept."""
    travel = np.full((4, 4), 300) - np.eye(4, dtype=int) * 300
    tech = Tech("t", frozenset({"general"}), 0)
    a = Job("a", 1, "general", 600)
    moved = Job("m", 2, "general", 600, pinned_to="t", position=2)
    snapshot = Snapshot((tech,), (a, moved), travel)
    assert honour_positions(snapshot, PARAMS, {"t": ("m", "a")}) == ({"t": ("a",)}, {"t"})
    started = dataclasses.replace(a, started_by="t")
    first = dataclasses.replace(moved, position=0)
    snapshot = Snapshot((tech,), (started, first), travel)
    assert honour_positions(snapshot, PARAMS, {"t": ("a", "m")}) == ({"t": ("a",)}, {"t"})


def test_bug_inserting_into_a_plan_without_technicians_leaves_the_job_unassigned() -> None:
    """The planner process's first provisional insertion came before any technician was
    planned: an empty index list became a float array and numpy refused it."""
    snapshot = seeded_snapshot(1, n_techs=2, n_jobs=3)
    empty = dataclasses.replace(snapshot, techs=(), jobs=())
    plan = construct_plan(empty, PARAMS)
    job = dataclasses.replace(snapshot.jobs[0], id="new")
    placed = insert_job(dataclasses.replace(empty, jobs=(job,)), plan, "new", PARAMS)
    assert placed.tech_id is None and [u.job_id for u in placed.plan.unassigned] == ["new"]
