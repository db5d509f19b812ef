"""`optimizer.stop_when`: a search ends early, with its best plan so far, once asked to."""

from __future__ import annotations

from benchmarks.city import city
from optimizer import SolveParams, solve
from optimizer.model import stop_when


def test_a_search_stops_when_asked_and_keeps_its_plan() -> None:
    """A 60 s budget, a check that says stop from its 2,000th call on: the solve ends long
    before its budget with every ticket planned or explained."""
    snapshot = city(6, 60, seed=4).snapshot
    asked = 0

    def check() -> bool:
        nonlocal asked
        asked += 1
        return asked >= 2000

    with stop_when(check):
        plan = solve(snapshot, SolveParams(time_budget_ms=60_000))
    assert asked >= 2000
    assert plan.solve_ms < 30_000
    placed = {s.job_id for r in plan.routes for s in r.stops} | {
        u.job_id for u in plan.unassigned}
    assert placed == {j.id for j in snapshot.jobs}


def test_outside_stop_when_no_check_is_made() -> None:
    """The check belongs to the searches started inside the block only."""
    snapshot = city(3, 20, seed=5).snapshot
    calls: list[int] = []
    with stop_when(lambda: calls.append(1) is not None):
        pass
    plan = solve(snapshot, SolveParams(time_budget_ms=200))
    assert calls == [] and plan.routes
