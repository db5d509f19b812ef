"""The search does not depend on the unit of cost: the same instance in seconds, minutes x 60
or thousandths gives the same plan, since its temperatures are multiples of the instance's
own arc cost (`optimizer.search.arc_scale`)."""

from __future__ import annotations

import dataclasses

from benchmarks.peers.engine import params_for, snapshot_of
from benchmarks.peers.instance import read_instance
from benchmarks.solomon import DEFAULT_DATA
from optimizer import Snapshot, SolveParams, solve

# A bounded number of solutions makes the search deterministic (no wall-clock limit).
SOLUTIONS = 1000


def _scaled(s: Snapshot, k: int) -> Snapshot:
    """`s` with every time and cost multiplied by `k`."""
    jobs = tuple(dataclasses.replace(j, service=j.service * k,
                                     window=None if j.window is None
                                     else (j.window[0] * k, j.window[1] * k)) for j in s.jobs)
    techs = tuple(dataclasses.replace(t, available_at=t.available_at * k,
                                      shift_end=t.shift_end * k) for t in s.techs)
    assert s.cost is not None
    return dataclasses.replace(s, travel=s.travel * k, cost=s.cost * k, jobs=jobs, techs=techs)


def _routes(s: Snapshot, params: SolveParams) -> tuple[tuple[str, ...], ...]:
    plan = solve(s, params)
    assert not plan.unassigned
    return tuple(tuple(stop.job_id for stop in r.stops) for r in plan.routes)


def test_the_same_instance_in_three_units_gets_the_same_plan() -> None:
    base = snapshot_of(read_instance(DEFAULT_DATA / "R101.txt"))
    params = dataclasses.replace(params_for(60), solution_limit=SOLUTIONS)
    plans = {k: _routes(_scaled(base, k), params) for k in (1, 60, 1000)}
    assert plans[1] == plans[60] == plans[1000]


def test_temperatures_fixed_in_one_unit_would_not_be() -> None:
    """The control: the same temperatures given in objective units anneal differently."""
    base = snapshot_of(read_instance(DEFAULT_DATA / "R101.txt"))
    params = dataclasses.replace(params_for(60), solution_limit=SOLUTIONS,
                                 ruin_temperatures=(30_000.0, 100.0))
    assert _routes(base, params) != _routes(_scaled(base, 1000), params)
