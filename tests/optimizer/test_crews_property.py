"""Property: every entry point that returns a plan keeps crews whole and synchronised.

Over random small snapshots with 0-2 crews: `solve`, the local re-plan (`replan`), the fast
insertion (`insert_job`), the whole-city paths (`solve_regions`, `solve_filled`) and the
construction each give, for every crew, all members on distinct qualified technicians
arriving and starting within the tolerance, or all of them unassigned with a reason.
Polishing by parts returns routes in which no crew needs taking off.
"""

from __future__ import annotations

import dataclasses
import time

from hypothesis import HealthCheck, given, settings

from optimizer import Snapshot, SolveParams, solve
from optimizer.construct import construct_plan
from optimizer.insert import insert_job
from optimizer.polish import polish
from optimizer.regions import solve_filled, solve_regions
from optimizer.replan import replan
from optimizer.schedule import synced_routes
from tests.optimizer.conftest import check_plan
from tests.optimizer.crew_support import check_crew_plan, crew_snapshots

PARAMS = SolveParams(time_budget_ms=40)
QUICK = settings(max_examples=25, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


def _without_last_ticket(snapshot: Snapshot) -> Snapshot:
    """The snapshot before its last ticket (a crew's members all together) came in."""
    last = snapshot.jobs[-1]
    ticket = last.crew or last.id
    kept = tuple(j for j in snapshot.jobs if (j.crew or j.id) != ticket)
    return dataclasses.replace(snapshot, jobs=kept)


@QUICK
@given(crew_snapshots())
def test_solve_keeps_crews_whole_and_synchronised(snapshot: Snapshot) -> None:
    plan = solve(snapshot, PARAMS)
    check_crew_plan(snapshot, plan, PARAMS)
    if not any(j.crew for j in snapshot.jobs):
        check_plan(snapshot, plan, PARAMS)  # one-person snapshots: every old invariant


@QUICK
@given(crew_snapshots())
def test_replan_and_insert_keep_crews_whole(snapshot: Snapshot) -> None:
    before = _without_last_ticket(snapshot)
    plan = solve(before, PARAMS)
    ticket = snapshot.jobs[-1].crew or snapshot.jobs[-1].id
    site = snapshot.jobs[-1].location
    check_crew_plan(snapshot, replan(snapshot, plan, PARAMS, (), site, budget_ms=40), PARAMS)
    check_crew_plan(snapshot, insert_job(snapshot, plan, ticket, PARAMS).plan, PARAMS)
    touched = [snapshot.techs[0].id]
    again = replan(snapshot, solve(snapshot, PARAMS), PARAMS, touched, site, neighbours=1,
                   budget_ms=40)
    check_crew_plan(snapshot, again, PARAMS)


@QUICK
@given(crew_snapshots())
def test_whole_city_paths_keep_crews_whole(snapshot: Snapshot) -> None:
    check_crew_plan(snapshot, construct_plan(snapshot, PARAMS), PARAMS)
    check_crew_plan(snapshot, solve_regions(snapshot, PARAMS, size=2, passes=1), PARAMS)
    warm = dataclasses.replace(snapshot, warm_start=solve(_without_last_ticket(snapshot),
                                                          PARAMS).sequences())
    check_crew_plan(snapshot, solve_filled(warm, PARAMS), PARAMS)


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(crew_snapshots())
def test_polish_returns_routes_with_crews_whole(snapshot: Snapshot) -> None:
    plan = solve(snapshot, PARAMS)
    routes = polish(snapshot, PARAMS, plan.sequences(), time.perf_counter() + 0.15,
                    slice_ms=30)
    index = {job.id: j for j, job in enumerate(snapshot.jobs)}
    sequences = [[index[x] for x in routes.get(t.id, ())] for t in snapshot.techs]
    assert synced_routes(snapshot, PARAMS, sequences)[0] == sequences
