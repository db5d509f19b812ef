"""Named dispatch situations with the plan a dispatcher would expect."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from tests.optimizer.conftest import HOUR, check_plan, line_travel

PARAMS = SolveParams(time_budget_ms=200)


def plumber(tech_id: str, location: int, **kwargs) -> Tech:
    """A plumbing technician on an 8-hour shift."""
    return Tech(tech_id, frozenset({"plumber"}), location, **kwargs)


def solved(snapshot: Snapshot):
    """Solve with the scenario budget and check the plan's invariants."""
    plan = solve(snapshot, PARAMS)
    check_plan(snapshot, plan, PARAMS)
    return plan


def job_order(plan, tech_id: str) -> list[str]:
    """Job ids on a technician's route, in order, without the job in progress."""
    return [s.job_id for s in plan.route_of(tech_id).stops if not s.in_progress]


def test_far_emergency_beats_near_routine() -> None:
    """The only plumber serves a distant emergency before a routine ticket next door."""
    travel = line_travel([0, 100, 1500])
    jobs = (
        Job("routine", 1, "plumber", 1800, due=24 * HOUR, late_weight=1),
        Job("emergency", 2, "plumber", 1800, urgency="emergency", due=1800, late_weight=100),
    )
    plan = solved(Snapshot((plumber("p", 0),), jobs, travel))
    assert job_order(plan, "p") == ["emergency", "routine"]
    assert plan.objective.late_seconds == 0


def test_moving_a_technician_next_to_a_ticket_gives_it_to_him() -> None:
    """The ticket follows the technician who is now closest to it."""
    travel = line_travel([0, 2000, 4000])
    job = Job("leak", 2, "plumber", 1800, due=2 * HOUR)
    before = solved(Snapshot((plumber("a", 0), plumber("b", 1)), (job,), travel))
    after = solved(Snapshot((plumber("a", 2), plumber("b", 1)), (job,), travel))
    assert before.assignment()["leak"][0] == "b"
    assert after.assignment()["leak"][0] == "a"


def test_pin_overrides_the_solvers_choice() -> None:
    """A pinned ticket goes to its technician even though another one is nearer."""
    travel = line_travel([0, 2000, 4000])
    job = Job("leak", 2, "plumber", 1800, due=2 * HOUR, pinned_to="a")
    plan = solved(Snapshot((plumber("a", 0), plumber("b", 1)), (job,), travel))
    assert plan.assignment()["leak"][0] == "a"


def test_scheduled_job_waits_for_its_window() -> None:
    """A technician arriving early waits; service starts at the window start."""
    travel = line_travel([0, 600])
    job = Job("visit", 1, "plumber", 1800, urgency="scheduled", window=(2 * HOUR, 3 * HOUR))
    plan = solved(Snapshot((plumber("p", 0),), (job,), travel))
    stop = plan.assignment()["visit"][1]
    assert (stop.arrival, stop.start, stop.end) == (600, 2 * HOUR, 2 * HOUR + 1800)


def test_missing_skill_is_named_in_the_reason() -> None:
    """Nobody holds the skill: the job is unassigned and the reason names the skill."""
    job = Job("lift", 1, "elevator", 1800)
    plan = solved(Snapshot((plumber("p", 0),), (job,), line_travel([0, 600])))
    assert [u.job_id for u in plan.unassigned] == ["lift"]
    assert "elevator" in plan.unassigned[0].reason


def test_unreachable_window_gives_the_window_reason() -> None:
    """An appointment that closes before anyone can get there is explained as such."""
    job = Job("visit", 1, "plumber", 1800, window=(0, 300))
    plan = solved(Snapshot((plumber("p", 0),), (job,), line_travel([0, 1000])))
    assert "window" in plan.unassigned[0].reason


def test_current_job_delays_the_route() -> None:
    """A technician on site reports that job first and leaves at `available_at`."""
    tech = plumber("p", 0, available_at=1800, current_job="on-site")
    job = Job("next", 1, "plumber", 600, due=HOUR)
    plan = solved(Snapshot((tech,), (job,), line_travel([0, 500])))
    first, second = plan.route_of("p").stops
    assert first.in_progress and first.job_id == "on-site" and first.end == 1800
    assert second.arrival == 1800 + 500


def test_started_job_stays_first() -> None:
    """A technician driving to a ticket keeps it first, though another is on the way."""
    travel = line_travel([0, 100, 3000])
    jobs = (
        Job("near", 1, "plumber", 600, due=HOUR, late_weight=10),
        Job("started", 2, "plumber", 600, started_by="p"),
    )
    plan = solved(Snapshot((plumber("p", 0),), jobs, travel))
    assert job_order(plan, "p") == ["started", "near"]


def test_pin_to_an_absent_technician_is_explained() -> None:
    """A ticket pinned to someone off shift stays unassigned with that reason."""
    job = Job("leak", 1, "plumber", 600, pinned_to="ghost")
    plan = solved(Snapshot((plumber("p", 0),), (job,), line_travel([0, 100])))
    assert "ghost" in plan.unassigned[0].reason


def test_full_technician_gives_the_capacity_reason() -> None:
    """Two 5-hour jobs for one plumber with 2 hours of overtime: one is left for capacity."""
    jobs = tuple(Job(f"big{i}", 1, "plumber", 5 * HOUR) for i in range(2))
    plan = solved(Snapshot((plumber("p", 0),), jobs, line_travel([0, 100])))
    assert len(plan.unassigned) == 1
    assert "capacity" in plan.unassigned[0].reason


def test_job_past_overtime_cap_is_explained() -> None:
    """A job too long to finish before shift end plus maximum overtime says so."""
    job = Job("huge", 1, "plumber", 11 * HOUR)
    plan = solved(Snapshot((plumber("p", 0),), (job,), line_travel([0, 100])))
    assert "overtime" in plan.unassigned[0].reason


def test_overtime_is_used_rather_than_dropping() -> None:
    """Serving a job in overtime costs less than leaving it unassigned."""
    tech = plumber("p", 0, shift_end=HOUR)
    plan = solved(Snapshot((tech,), (Job("late", 1, "plumber", HOUR),), line_travel([0, 600])))
    assert plan.route_of("p").overtime == 600
    assert not plan.unassigned


@pytest.mark.parametrize("techs, jobs", [((), (Job("j", 0, "plumber", 60),)),
                                          ((plumber("p", 0),), ())])
def test_empty_snapshot_returns_quickly(techs, jobs) -> None:
    """No techs or no jobs: status "empty", jobs unassigned with a reason."""
    snapshot = Snapshot(techs, jobs, line_travel([0]))
    plan = solved(snapshot)
    assert plan.status == "empty" and plan.solve_ms < 50
    assert len(plan.unassigned) == len(jobs)


@pytest.mark.parametrize("field, value", [("time_budget_ms", 0), ("first_solution", "NOPE"),
                                          ("metaheuristic", "NOPE"), ("max_overtime", -1)])
def test_bad_params_name_the_field(field: str, value) -> None:
    """Invalid settings fail fast with the offending field in the message."""
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(SolveParams(), **{field: value})


def test_location_outside_the_matrix_is_rejected() -> None:
    """A location the travel matrix does not cover is a caller error, raised at once."""
    with pytest.raises(ValueError, match="location"):
        solve(Snapshot((plumber("p", 0),), (Job("j", 5, "plumber", 60),), line_travel([0, 1])))


def test_a_due_margin_keeps_slack_before_a_deadline() -> None:
    """Next door first would reach the emergency 5 minutes before its deadline: fine on
    the estimates, but with a 10-minute margin the plan goes there first, and still
    reports no lateness (counted from the deadline itself)."""
    travel = np.array([[0, 600, 100], [600, 0, 600], [100, 600, 0]])
    jobs = (Job("emergency", 1, "plumber", 300, urgency="emergency", due=1300,
                late_weight=100),
            Job("next door", 2, "plumber", 300, due=24 * HOUR))
    snapshot = Snapshot((plumber("p", 0),), jobs, travel)
    assert job_order(solved(snapshot), "p") == ["next door", "emergency"]
    margin = dataclasses.replace(PARAMS, due_margin=600)
    plan = solve(snapshot, margin)
    check_plan(snapshot, plan, margin)
    assert job_order(plan, "p") == ["emergency", "next door"]
    assert plan.objective.late_seconds == 0
