"""The fairness term: work past a technician's fair share costs, so a day's jobs are spread
over those on shift rather than chained on one route."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.eligibility import drop_penalties
from tests.optimizer.conftest import _check_route, line_travel, snapshots

HALF_HOUR = 1800


def _along_a_street(fair_work: int | None) -> Snapshot:
    """Two technicians at the office (point 0); six half-hour jobs 4 minutes apart along one
    street: one route down the street travels least."""
    travel = line_travel([240 * k for k in range(7)])
    techs = tuple(Tech(name, frozenset({"general"}), 0, shift_end=10 * 3600,
                       fair_work=fair_work) for name in ("a", "b"))
    jobs = tuple(Job(f"j{k}", k, "general", HALF_HOUR) for k in range(1, 7))
    return Snapshot(techs, jobs, travel)


def _loads(snapshot: Snapshot, params: SolveParams) -> list[int]:
    plan = solve(snapshot, params)
    assert not plan.unassigned
    return sorted(len(r.stops) for r in plan.routes)


def test_without_the_term_one_technician_takes_the_whole_street() -> None:
    assert _loads(_along_a_street(3 * HALF_HOUR), SolveParams(time_budget_ms=300)) == [0, 6]


def test_with_it_each_takes_his_share() -> None:
    """A share of three jobs each, at 60 a minute past it: splitting the street costs 6 more
    travel minutes and saves 90 minutes past the share."""
    params = SolveParams(time_budget_ms=300, fairness_weight=60)
    assert _loads(_along_a_street(3 * HALF_HOUR), params) == [3, 3]


def test_a_technician_who_has_worked_his_share_takes_nothing_more_if_it_can_be_helped() -> None:
    """a has done his share of the day already (fair work 0): b takes the street."""
    snap = _along_a_street(None)
    techs = (dataclasses.replace(snap.techs[0], fair_work=0),
             dataclasses.replace(snap.techs[1], fair_work=6 * HALF_HOUR))
    plan = solve(dataclasses.replace(snap, techs=techs),
                 SolveParams(time_budget_ms=300, fairness_weight=60))
    assert [len(r.stops) for r in plan.routes] == [0, 6]


@settings(max_examples=15, deadline=None)
@given(snapshots(max_techs=3, max_jobs=6))
def test_the_term_keeps_the_plan_valid_and_costs_what_it_says(snapshot: Snapshot) -> None:
    """Skills, pins and timing hold, and the objective is the plain one plus `weight` for
    each minute of service a route has past its technician's share."""
    techs = tuple(dataclasses.replace(t, fair_work=600 * k) for k, t in enumerate(snapshot.techs))
    snap = dataclasses.replace(snapshot, techs=techs)
    params = SolveParams(time_budget_ms=100, fairness_weight=30)
    plan = solve(snap, params)
    jobs = {j.id: j for j in snap.jobs}
    past = 0
    for tech, route in zip(snap.techs, plan.routes, strict=True):
        _check_route(snap, params, tech, route, jobs)
        minutes = sum(-(-jobs[s.job_id].service // 60) for s in route.stops
                      if not s.in_progress and jobs[s.job_id].urgency != "emergency")
        past += max(0, minutes - tech.fair_work // 60)
    penalty = dict(zip(jobs, drop_penalties(snap, params), strict=True))
    o = plan.objective
    plain = o.travel + o.lateness + params.overtime_weight * o.overtime \
        + sum(penalty[u.job_id] for u in plan.unassigned)
    assert o.total == plain + params.fairness_weight * past


def test_an_emergency_goes_to_the_nearest_whatever_his_load() -> None:
    """a has done his share (fair work 0) and is 10 minutes nearer than b: a routine job goes
    to b, an emergency to a (the term leaves emergencies out)."""
    travel = line_travel([0, 60, 660])
    techs = (Tech("a", frozenset({"general"}), 1, fair_work=0),
             Tech("b", frozenset({"general"}), 2, fair_work=4 * HALF_HOUR))
    params = SolveParams(time_budget_ms=200, fairness_weight=60)
    for urgency, owner in (("routine", "b"), ("emergency", "a")):
        snap = Snapshot(techs, (Job("j", 0, "general", HALF_HOUR, urgency=urgency),), travel)
        plan = solve(snap, params)
        assert next(r.tech_id for r in plan.routes if r.stops) == owner, urgency
