"""The rework preference: a job avoids the technicians in `Job.avoid_techs` unless it pays."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.eligibility import drop_penalties
from tests.optimizer.conftest import _check_route, line_travel, snapshots

PARAMS = SolveParams(time_budget_ms=200, rework_penalty=600)


def _owner(snapshot: Snapshot, params: SolveParams = PARAMS) -> str | None:
    plan = solve(snapshot, params)
    return next((r.tech_id for r in plan.routes if any(s.job_id == "j" for s in r.stops)), None)


def _two_techs(a_at: int, b_at: int, b_skill: str = "plumber") -> Snapshot:
    """Technician a at `a_at`, b at `b_at` on a line; one plumbing job at 0 that avoids a."""
    travel = line_travel([0, a_at, b_at])
    techs = (Tech("a", frozenset({"plumber"}), 1), Tech("b", frozenset({b_skill}), 2))
    job = Job("j", 0, "plumber", 600, avoid_techs=("a",))
    return Snapshot(techs, (job,), travel)


def test_near_equal_costs_go_to_the_other_technician() -> None:
    """a is 60 s closer, b gets the rework: the penalty (600 s) outweighs the difference."""
    assert _owner(_two_techs(a_at=300, b_at=360)) == "b"


def test_without_the_penalty_the_closer_one_gets_it() -> None:
    """The same instance with the term off: a, being closer, gets it (the test can fail)."""
    assert _owner(_two_techs(300, 360), SolveParams(time_budget_ms=200)) == "a"


def test_much_closer_technician_still_gets_it() -> None:
    """a is an hour closer than b: the soft preference yields to the travel saved."""
    assert _owner(_two_techs(a_at=60, b_at=3660)) == "a"


def test_only_qualified_technician_still_gets_it() -> None:
    """b lacks the skill: a keeps the rework rather than leaving it unassigned."""
    assert _owner(_two_techs(a_at=300, b_at=310, b_skill="electrician")) == "a"


@settings(max_examples=15, deadline=None)
@given(snapshots(max_techs=3, max_jobs=6))
def test_avoidance_keeps_the_plan_valid(snapshot: Snapshot) -> None:
    """Avoiding every job's first technician never breaks skills, pins or timing, and the
    objective is the plain one plus the penalty of each job left with its avoided technician."""
    first = snapshot.techs[0].id
    jobs = tuple(dataclasses.replace(j, avoid_techs=(first,)) for j in snapshot.jobs)
    snap = dataclasses.replace(snapshot, jobs=jobs)
    params = SolveParams(time_budget_ms=100, rework_penalty=900)
    plan = solve(snap, params)
    by_id = {j.id: j for j in jobs}
    for tech, route in zip(snap.techs, plan.routes, strict=True):
        _check_route(snap, params, tech, route, by_id)
    avoided = sum(1 for r in plan.routes if r.tech_id == first for s in r.stops
                  if not s.in_progress)
    o = plan.objective
    penalty = dict(zip(by_id, drop_penalties(snap, params), strict=True))
    plain = o.travel + o.lateness + params.overtime_weight * o.overtime
    plain += sum(penalty[u.job_id] for u in plan.unassigned)
    assert o.total == plain + params.rework_penalty * avoided
