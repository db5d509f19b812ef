"""The VRPTW side of the public API: routes back to a base, capacity, a separate cost
matrix, and the ruin-and-recreate search. Small named cases, solved through `solve`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.model import stop_when
from tests.optimizer.conftest import line_travel

PARAMS = SolveParams(time_budget_ms=300, max_overtime=0)
TUNED = PARAMS  # the defaults are the tuned search: lean operators, ruin and recreate


def van(tech_id: str, **kwargs) -> Tech:
    """A technician based at location 0, back there by t = 1000."""
    defaults = {"location": 0, "end_location": 0, "shift_end": 1000}
    return Tech(tech_id, frozenset({"any"}), **{**defaults, **kwargs})


def job(job_id: str, location: int, **kwargs) -> Job:
    """A job of skill "any" and 10 units of service."""
    return Job(job_id, location, "any", 10, **kwargs)


def order(plan, tech_id: str) -> list[str]:
    """Job ids on one technician's route."""
    return [s.job_id for s in plan.route_of(tech_id).stops]


def test_route_pays_the_way_back_to_its_end_location() -> None:
    """Out to 100 and back costs 200; an open route would cost 100."""
    travel = line_travel([0, 100])
    plan = solve(Snapshot((van("a"),), (job("j", 1),), travel), PARAMS)
    assert order(plan, "a") == ["j"] and plan.objective.total == 200
    open_plan = solve(Snapshot((van("a", end_location=None),), (job("j", 1),), travel), PARAMS)
    assert open_plan.objective.total == 100


def test_return_after_shift_end_drops_the_job() -> None:
    """Reaching the job is possible (arrive 400, done 410), getting home by 500 is not."""
    snapshot = Snapshot((van("a", shift_end=500),), (job("j", 1),), line_travel([0, 400]))
    plan = solve(snapshot, PARAMS)
    assert [u.job_id for u in plan.unassigned] == ["j"]


def test_capacity_splits_jobs_over_two_routes() -> None:
    """Two jobs of demand 6 cannot share a van of capacity 10, though one route is shorter."""
    travel = line_travel([0, 10, 11])
    jobs = (job("x", 1, demand=6), job("y", 2, demand=6))
    plan = solve(Snapshot((van("a", capacity=10), van("b", capacity=10)), jobs, travel), PARAMS)
    assert not plan.unassigned
    assert sorted(len(r.stops) for r in plan.routes) == [1, 1]


def test_capacity_none_means_unlimited() -> None:
    """Without capacities demand is ignored and one route serves both."""
    travel = line_travel([0, 10, 11])
    jobs = (job("x", 1, demand=600), job("y", 2, demand=600))
    plan = solve(Snapshot((van("a"),), jobs, travel), PARAMS)
    assert order(plan, "a") in (["x", "y"], ["y", "x"])


def test_cost_matrix_is_minimised_instead_of_travel() -> None:
    """Travel says visit 2 first; the cost matrix makes 1 -> 2 cheap and 2 -> 1 dear."""
    travel = line_travel([0, 20, 10])
    cost = np.full((3, 3), 50, dtype=np.int64)
    np.fill_diagonal(cost, 0)
    cost[0, 1], cost[1, 2], cost[2, 0] = 1, 1, 1
    snapshot = Snapshot((van("a"),), (job("one", 1), job("two", 2)), travel, cost=cost)
    plan = solve(snapshot, PARAMS)
    assert order(plan, "a") == ["one", "two"] and plan.objective.total == 3


def test_cost_matrix_of_wrong_shape_is_refused() -> None:
    """A cost matrix must match the travel matrix."""
    snapshot = Snapshot((van("a"),), (job("j", 1),), line_travel([0, 5]),
                        cost=np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="Snapshot.cost"):
        solve(snapshot, PARAMS)


def small_vrptw(seed: int) -> Snapshot:
    """20 jobs with windows and demands around one base, four vans of capacity 40."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (21, 2))
    travel = np.ceil(np.linalg.norm(xy[:, None] - xy[None, :], axis=2)).astype(np.int64)
    jobs = tuple(
        job(str(c), c, demand=int(rng.integers(1, 15)),
            window=(int(start), int(start) + 200))
        for c, start in zip(range(1, 21), rng.integers(0, 600, 20), strict=True)
    )
    return Snapshot(tuple(van(f"v{k}", capacity=40) for k in range(4)), jobs, travel)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ruin_recreate_plans_respect_windows_capacity_and_return(seed: int) -> None:
    """The tuned search serves every job within its window, load and the return by 1000."""
    snapshot = small_vrptw(seed)
    plan = solve(snapshot, TUNED)
    assert not plan.unassigned
    assert plan.status == "feasible"  # OR-Tools' ILS leaves the model's status unset
    demand = {j.id: j.demand for j in snapshot.jobs}
    window = {j.id: j.window for j in snapshot.jobs}
    where = {j.id: j.location for j in snapshot.jobs}
    for route in plan.routes:
        assert sum(demand[s.job_id] for s in route.stops) <= 40
        assert all(window[s.job_id][0] <= s.start <= window[s.job_id][1] for s in route.stops)
        if route.stops:
            assert route.end + snapshot.travel[where[route.stops[-1].job_id], 0] <= 1000


def test_ruin_recreate_with_warm_start_falls_back_to_the_metaheuristic() -> None:
    """A warm start cannot enter ILS; the solve still succeeds from it."""
    snapshot = small_vrptw(4)
    first = solve(snapshot, TUNED)
    warm = {r.tech_id: tuple(s.job_id for s in r.stops) for r in first.routes}
    again = solve(dataclasses.replace(snapshot, warm_start=warm), TUNED)
    assert again.warm_started and not again.unassigned
    assert again.objective.total <= first.objective.total


def test_a_stoppable_cold_solve_searches_with_the_metaheuristic() -> None:
    """OR-Tools' ILS asks no stop check, so under `stop_when` a cold solve uses the
    metaheuristic, which stops when asked."""
    snapshot = small_vrptw(5)
    with stop_when(lambda: True):
        plan = solve(snapshot, dataclasses.replace(TUNED, time_budget_ms=30_000))
    assert plan.solve_ms < 10_000
