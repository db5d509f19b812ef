"""Our engine on a Solomon instance, through the public API only: `solve(Snapshot, params)`.

The depot is every technician's base (routes start and end there), the vehicle capacity a
`Tech.capacity`, windows hard `Job.window`s, the depot's due date the shift end with no
overtime, and the objective a separate distance `Snapshot.cost`.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from benchmarks.peers.instance import Instance
from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.polish import POLISH_FROM
from optimizer.portfolio import solve_portfolio
from optimizer.regions import solve_filled

# Integer scale of times and distances: one unit is a thousandth of a Solomon unit.
SCALE = 1000
SKILL = "any"


def snapshot_of(instance: Instance) -> Snapshot:
    """The instance as a dispatch snapshot: location = node number, `SCALE`d integers."""
    travel, cost = instance.scaled(SCALE)
    jobs = tuple(
        Job(id=str(c), location=c, skill=SKILL, service=SCALE * int(instance.service[c]),
            window=(SCALE * int(instance.ready[c]), SCALE * int(instance.due[c])),
            demand=int(instance.demand[c]))
        for c in range(1, instance.n_customers + 1)
    )
    techs = tuple(
        Tech(id=f"v{k}", skills=frozenset({SKILL}), location=0, end_location=0,
             available_at=SCALE * int(instance.ready[0]),
             shift_end=SCALE * int(instance.due[0]), capacity=instance.capacity)
        for k in range(instance.vehicles)
    )
    return Snapshot(techs, jobs, travel, cost=cost)


# The live engine's own settings (`SolveParams()`: lean operators, ruin and recreate with
# temperatures derived from the instance, see optimizer/search.py), nothing tuned here.
LIVE = SolveParams()
# A second search for the other core: OR-Tools' ILS has a fixed seed, so it differs by
# settings instead (smaller ruins, hotter start), which were about as good alone.
SECOND = dataclasses.replace(LIVE, ruin_size=10, ruin_string=10, ruin_heat=(13.0, 0.0136))


def params_for(seconds: float, base: SolveParams | None = None) -> SolveParams:
    """The engine's settings for a VRPTW: the live ones with the benchmark's budget, and no
    overtime (the depot's due date is the instance's hard return time, which a `Tech` states
    as its shift end with `max_overtime` 0)."""
    base = base or LIVE
    return dataclasses.replace(base, time_budget_ms=int(seconds * 1000), max_overtime=0)


def solve_engine(instance: Instance, seconds: float, base: SolveParams | None = None
                 ) -> list[list[int]]:
    """Routes of our engine within `seconds`: the live engine's full solve of a region
    (`optimizer.regions.solve_filled`), one thread."""
    plan = solve_filled(snapshot_of(instance), params_for(seconds, base))
    return [[int(s.job_id) for s in route.stops] for route in plan.routes if route.stops]


def solve_engine_2cores(instance: Instance, seconds: float) -> list[list[int]]:
    """Routes of our engine within `seconds` on two processes: from `POLISH_FROM` customers
    the same full solve with its parts polished two at a time; below, two differently set
    searches (LIVE and SECOND), the better kept."""
    snapshot = snapshot_of(instance)
    if len(snapshot.jobs) >= POLISH_FROM:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            plan = solve_filled(snapshot, params_for(seconds), pool)
    else:
        plan = solve_portfolio(snapshot, [params_for(seconds, LIVE),
                                          params_for(seconds, SECOND)])
    return [[int(s.job_id) for s in route.stops] for route in plan.routes if route.stops]


def first_solution(instance: Instance) -> list[list[int]]:
    """The routes our engine's search starts from on a cold instance: the routing model's
    own first solution (`solution_limit` 1), so a run can show how far the search took it."""
    plan = solve(snapshot_of(instance), dataclasses.replace(params_for(60), solution_limit=1,
                                                           ruin_recreate=False))
    return [[int(s.job_id) for s in route.stops] for route in plan.routes if route.stops]
