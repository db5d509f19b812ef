"""Home areas: work outside a technician's area costs `area_penalty` (soft), or is barred
(hard) for one the company keeps inside it; both leave plans valid."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from tests.optimizer.conftest import check_plan, line_travel, snapshots


def _two_techs(**job: object) -> Snapshot:
    """a is 5 minutes from the job, b 15; the job lies outside a's home area."""
    travel = line_travel([0, 300, 900])
    techs = (Tech("a", frozenset({"plumber"}), 1), Tech("b", frozenset({"plumber"}), 2))
    return Snapshot(techs, (Job("j", 0, "plumber", 600, **job),), travel)


def _owner(snapshot: Snapshot, params: SolveParams) -> str | None:
    plan = solve(snapshot, params)
    return next((r.tech_id for r in plan.routes if r.stops), None)


def test_the_penalty_sends_the_technician_who_knows_the_building() -> None:
    """10 minutes more travel for b, 20 minutes' penalty for a: b goes."""
    snap = _two_techs(outside_techs=("a",))
    assert _owner(snap, SolveParams(time_budget_ms=200, area_penalty=1200)) == "b"
    assert _owner(snap, SolveParams(time_budget_ms=200)) == "a"  # the term off: the nearer


def test_a_soft_area_yields_when_the_detour_is_worth_more() -> None:
    assert _owner(_two_techs(outside_techs=("a",)),
                  SolveParams(time_budget_ms=200, area_penalty=300)) == "a"


def test_a_barred_technician_never_takes_it() -> None:
    snap = _two_techs(barred_techs=("a",))
    assert _owner(snap, SolveParams(time_budget_ms=200)) == "b"
    alone = dataclasses.replace(snap, techs=snap.techs[:1])
    plan = solve(alone, SolveParams(time_budget_ms=200))
    assert [u.reason for u in plan.unassigned] == [
        "outside the home areas of every technician with skill 'plumber'"]


@settings(max_examples=15, deadline=None)
@given(snapshots(max_techs=3, max_jobs=6))
def test_barred_technicians_never_get_the_job(snapshot: Snapshot) -> None:
    first = snapshot.techs[0].id
    jobs = tuple(dataclasses.replace(j, barred_techs=(first,), outside_techs=(first,))
                 for j in snapshot.jobs)
    snap = dataclasses.replace(snapshot, jobs=jobs)
    params = SolveParams(time_budget_ms=100)
    plan = solve(snap, params)
    check_plan(snap, plan, params)
    started = {j.id for j in jobs if j.started_by == first}
    assert all(s.job_id in started for s in plan.routes[0].stops if not s.in_progress)
