"""Eligibility rules that mutation testing found unchecked (issue 18). Expectations are
worked by hand from the documented formula, never by calling the code under test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer.eligibility import clock, drop_penalties, eligibilities
from optimizer.params import SolveParams
from optimizer.snapshot import Job, Snapshot, Tech

# Two places 600 s apart; one technician at place 0, free from 0, shift ends at 3,600 s.
TRAVEL = np.array([[0, 600], [600, 0]], dtype=np.int64)
TECH = Tech("t", frozenset({"plumber"}), location=0, shift_end=3600)


def snapshot(*jobs: Job) -> Snapshot:
    return Snapshot(techs=(TECH,), jobs=jobs, travel=TRAVEL)


def test_the_drop_penalty_adds_overtime_travel_and_overdue_terms() -> None:
    """drop_penalty 10, overtime 3/s over at most 100 s, longest drive 600 s, horizon
    3,600 + 100 = 3,700 s; a job 500 s overdue with late weight 2:
    10 + 3*100 + 2*600 + 2*(3,700 + 500) = 9,910; a job not yet due: 10 + 300 + 1,200 +
    1*3,700 = 5,210; due right now, or with no deadline (weight 3): 10 + 300 + 1,200 +
    3*3,700 = 12,610."""
    params = SolveParams(drop_penalty=10, overtime_weight=3, max_overtime=100)
    overdue = Job("a", 1, "plumber", service=60, due=-500, late_weight=2)
    fresh = Job("b", 1, "plumber", service=60, due=1000, late_weight=1)
    now = Job("c", 1, "plumber", service=60, due=0, late_weight=3)
    whenever = Job("d", 1, "plumber", service=60, late_weight=3)
    assert drop_penalties(snapshot(overdue, fresh, now, whenever), params) == [
        9910, 5210, 12610, 12610]


def test_dropping_costs_more_than_serving_an_overdue_job_late() -> None:
    """With a small drop penalty, serving a long-overdue job at the far end of the horizon
    (lateness 3,700 + 10,000 s, overtime 100 s, two drives) must still be cheaper."""
    params = SolveParams(drop_penalty=1, overtime_weight=3, max_overtime=100)
    job = Job("a", 1, "plumber", service=60, due=-10_000, late_weight=5)
    served_late = 5 * (3700 + 10_000) + 3 * 100 + 2 * 600
    assert drop_penalties(snapshot(job), params)[0] > served_late


def test_arriving_exactly_at_the_latest_start_is_allowed() -> None:
    """He arrives at 600 s; a window ending at 600 s still takes him, one ending at 599 not."""
    params = SolveParams(max_overtime=0)
    at_edge = Job("a", 1, "plumber", service=60, window=(0, 600))
    too_late = Job("b", 1, "plumber", service=60, window=(0, 599))
    got = eligibilities(snapshot(at_edge, too_late), params)
    assert got[0].vehicles == (0,) and got[0].reason is None
    assert got[1].vehicles == () and "window" in (got[1].reason or "")


def test_finishing_exactly_at_the_cap_is_allowed() -> None:
    """Arrive at 600 s, 3,000 s of work ends at 3,600 s = shift end + 0 overtime; 3,001 s
    does not fit."""
    params = SolveParams(max_overtime=0)
    fits = Job("a", 1, "plumber", service=3000)
    over = Job("b", 1, "plumber", service=3001)
    got = eligibilities(snapshot(fits, over), params)
    assert got[0].vehicles == (0,)
    assert got[1].vehicles == () and "shift end" in (got[1].reason or "")


def test_each_reason_says_what_stands_in_the_way() -> None:
    """Written out by hand: a skill no one has, a pin to someone absent, a pin to someone
    without the skill, a window he cannot reach (arrival +10 min: Wu, already there, is no
    plumber), too long for the shift."""
    wu = Tech("wu", frozenset({"elevator"}), location=1, shift_end=3600)  # at the jobs
    jobs = (Job("a", 1, "hvac", 60), Job("b", 1, "plumber", 60, pinned_to="zhao"),
            Job("c", 1, "elevator", 60, pinned_to="t"),
            Job("d", 1, "plumber", 60, window=(0, 300)), Job("e", 1, "plumber", 5 * 3600))
    got = eligibilities(Snapshot(techs=(TECH, wu), jobs=jobs, travel=TRAVEL), SolveParams())
    assert [e.reason for e in got] == [
        "no technician on shift has skill 'hvac'",
        "pinned to zhao, who is not on shift",
        "pinned to t, who lacks skill 'elevator'",
        "appointment window +0h00m-+0h05m cannot be reached by any qualified technician "
        "(earliest arrival +0h10m)",
        "no qualified technician can reach and finish it before shift end + maximum overtime"]


def test_a_wide_window_lets_him_start_as_soon_as_he_arrives() -> None:
    """Window 0-3,500 s, 600 s of work, shift ends at 3,600 s with no overtime: he arrives at
    600 s and is done at 1,200 s (starting at the window's end would not fit)."""
    job = Job("a", 1, "plumber", service=600, window=(0, 3500))
    assert eligibilities(snapshot(job), SolveParams(max_overtime=0))[0].vehicles == (0,)


def test_only_a_started_job_is_locked_first_on_its_technician() -> None:
    """One started job per technician: the first is locked on him; a second started job and
    a fresh one are free (no lock)."""
    first = Job("a", 1, "plumber", 60, started_by="t")
    second = Job("b", 1, "plumber", 60, started_by="t")
    fresh = Job("c", 1, "plumber", 60)
    got = eligibilities(snapshot(first, second, fresh), SolveParams())
    assert [(e.vehicles, e.started) for e in got] == [((0,), 0), ((0,), None), ((0,), None)]


def test_with_no_one_on_shift_the_horizon_is_zero() -> None:
    """No technicians: the drop penalty is drop_penalty + overtime * cap + 2 * the longest
    drive + weight * how overdue: 10 + 3*100 + 1,200 + 2*500 = 2,510."""
    params = SolveParams(drop_penalty=10, overtime_weight=3, max_overtime=100)
    job = Job("a", 1, "plumber", service=60, due=-500, late_weight=2)
    lonely = Snapshot(techs=(), jobs=(job,), travel=TRAVEL)
    assert drop_penalties(lonely, params) == [2510]


def test_an_eligibility_cannot_be_changed_in_place() -> None:
    """One result serves the model, the warm start and the explanations of dropped jobs."""
    found = eligibilities(snapshot(Job("a", 1, "plumber", 60)), SolveParams())[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.vehicles = ()  # type: ignore[misc]


def test_a_clock_reads_as_a_signed_duration() -> None:
    assert [clock(s) for s in (-600, 0, 3599, 3600, 3900)] == [
        "-0h10m", "+0h00m", "+0h59m", "+1h00m", "+1h05m"]
