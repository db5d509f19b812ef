"""Our engine on a Solomon instance, through the public API only: `solve(Snapshot, params)`.

The depot is every technician's base (routes start and end there), the vehicle capacity a
`Tech.capacity`, windows hard `Job.window`s, the depot's due date the shift end with no
overtime, and the objective a separate distance `Snapshot.cost`.
"""

from __future__ import annotations

import dataclasses

from benchmarks.peers.instance import Instance
from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.portfolio import solve_portfolio

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


# Tuned on the benchmark (see optimizer/search.py): lean operators, ruin and recreate,
# annealing from 4 to 0.0136 times the mean arc to a near neighbour (`ruin_heat`, the default:
# about 30 to 0.1 Solomon distance units, the temperatures tuned here when they were given
# in thousandths of a unit).
TUNED = SolveParams(lean_operators=True, ruin_recreate=True)
# A second search for the other core: OR-Tools' ILS has a fixed seed, so it differs by
# settings instead (smaller ruins, hotter start), which were about as good alone.
SECOND = dataclasses.replace(TUNED, ruin_size=10, ruin_string=10, ruin_heat=(13.0, 0.0136))


def params_for(seconds: float, base: SolveParams | None = None) -> SolveParams:
    """The engine's settings for a VRPTW: no overtime, the given budget."""
    base = base or TUNED
    return dataclasses.replace(base, time_budget_ms=int(seconds * 1000), max_overtime=0)


def solve_engine(instance: Instance, seconds: float, base: SolveParams | None = None
                 ) -> list[list[int]]:
    """Routes of our engine within `seconds`."""
    plan = solve(snapshot_of(instance), params_for(seconds, base))
    return [[int(s.job_id) for s in route.stops] for route in plan.routes if route.stops]


def solve_engine_2cores(instance: Instance, seconds: float) -> list[list[int]]:
    """Routes of our engine within `seconds` using two processes (TUNED and SECOND)."""
    snapshot = snapshot_of(instance)
    plan = solve_portfolio(snapshot, [params_for(seconds, TUNED), params_for(seconds, SECOND)])
    return [[int(s.job_id) for s in route.stops] for route in plan.routes if route.stops]
