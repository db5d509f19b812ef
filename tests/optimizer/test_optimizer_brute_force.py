"""On tiny instances the solver's objective equals an exhaustive search's optimum."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.eligibility import drop_penalties, route_cap
from tests.optimizer.conftest import HOUR, check_plan, plane_travel

PARAMS = SolveParams(time_budget_ms=500)
SEEDS = range(20)


def tiny_snapshot(seed: int) -> Snapshot:
    """≤2 techs, ≤6 jobs, two skills, dues of mixed weight, some wide windows; all fit."""
    rng = np.random.default_rng(seed)
    n_techs, n_jobs = int(rng.integers(1, 3)), int(rng.integers(3, 7))
    travel = plane_travel(rng.uniform(0, 30, (n_techs + n_jobs, 2)))
    skills = [frozenset({"a", "b"}), frozenset({"a"})]
    techs = tuple(
        Tech(f"t{v}", skills[v], v, available_at=int(rng.integers(0, 1800)),
             shift_end=int(rng.integers(2, 5)) * HOUR)
        for v in range(n_techs)
    )
    return Snapshot(techs, tuple(_tiny_job(rng, j, n_techs + j) for j in range(n_jobs)), travel)


def _tiny_job(rng: np.random.Generator, j: int, location: int) -> Job:
    window = None
    if rng.random() < 0.3:
        start = int(rng.integers(0, 3 * HOUR))
        window = (start, start + 3 * HOUR)
    due = int(rng.integers(0, 4 * HOUR)) if rng.random() < 0.8 else None
    return Job(f"j{j}", location, "b" if rng.random() < 0.3 else "a",
               int(rng.integers(5, 30)) * 60, due=due,
               late_weight=int(rng.choice([1, 5, 20])), window=window)


def route_cost(snapshot: Snapshot, v: int, order: tuple[int, ...]) -> tuple[float, int]:
    """(travel + weighted lateness + weighted overtime, weighted lateness) of one order."""
    tech = snapshot.techs[v]
    now, where, travel, lateness = tech.available_at, tech.location, 0, 0
    for j in order:
        job = snapshot.jobs[j]
        if job.skill not in tech.skills:
            return math.inf, 0
        leg = int(snapshot.travel[where, job.location])
        start = max(now + leg, job.window[0] if job.window else 0)
        if job.window and start > job.window[1]:
            return math.inf, 0
        lateness += job.late_weight * max(0, start - job.due) if job.due is not None else 0
        now, where, travel = start + job.service, job.location, travel + leg
    if now > route_cap(tech, PARAMS):
        return math.inf, 0
    overtime = max(0, now - tech.shift_end) * PARAMS.overtime_weight
    return travel + lateness + overtime, lateness


def best_routes(snapshot: Snapshot, v: int) -> dict[frozenset[int], tuple[float, set[int]]]:
    """Each subset of jobs -> (best cost on tech v, lateness values of its best orders)."""
    best: dict[frozenset[int], tuple[float, set[int]]] = {}
    n = len(snapshot.jobs)
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            costs = [route_cost(snapshot, v, order) for order in itertools.permutations(subset)]
            low = min(c for c, _ in costs)
            best[frozenset(subset)] = (low, {late for c, late in costs if c == low})
    return best


def brute_force(snapshot: Snapshot) -> tuple[float, set[int], int]:
    """(optimal total, lateness values at the optimum, fewest drops at the optimum)."""
    per_tech = [best_routes(snapshot, v) for v in range(len(snapshot.techs))]
    penalties = drop_penalties(snapshot, PARAMS)
    optimum, latenesses, drops = math.inf, set(), 0
    n_techs = len(snapshot.techs)
    for choice in itertools.product(range(n_techs + 1), repeat=len(snapshot.jobs)):
        parts = [per_tech[v][frozenset(j for j, c in enumerate(choice) if c == v)]
                 for v in range(n_techs)]
        dropped = [j for j, c in enumerate(choice) if c == n_techs]
        total = sum(c for c, _ in parts) + sum(penalties[j] for j in dropped)
        sums = {sum(x) for x in itertools.product(*(lates for _, lates in parts))}
        if total < optimum:
            optimum, latenesses, drops = total, sums, len(dropped)
        elif total == optimum:
            latenesses |= sums
    return optimum, latenesses, drops


@pytest.mark.parametrize("seed", SEEDS)
def test_solver_matches_brute_force(seed: int) -> None:
    """Objective total and lateness equal the exhaustive optimum; nothing is dropped."""
    snapshot = tiny_snapshot(seed)
    optimum, latenesses, drops = brute_force(snapshot)
    plan = solve(snapshot, PARAMS)
    check_plan(snapshot, plan, PARAMS)
    assert drops == 0, "instances are built so every job fits"
    assert plan.objective.total == optimum
    assert plan.objective.lateness in latenesses
