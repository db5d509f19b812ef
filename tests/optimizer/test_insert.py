"""Insertion: the numpy kernel's choice and cost equal brute force over every position."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import Job, Snapshot, SolveParams, Tech, Unassigned
from optimizer.construct import construct, construct_plan
from optimizer.eligibility import CAPACITY_REASON, drop_penalties, eligibilities
from optimizer.insert import (
    INF,
    Choice,
    Provisional,
    best_insertion,
    eject_for,
    insert_job,
    insertion_costs,
    late_stops,
    relocate_late,
)
from optimizer.regions import fill
from optimizer.routes import RouteState, tables
from optimizer.schedule import assemble
from tests.optimizer.conftest import check_plan, snapshots

PARAMS = SolveParams()


def _total(snapshot: Snapshot, sequences: list[list[int]]) -> int:
    """The plan objective of `sequences`, as `assemble` computes it."""
    eligible = eligibilities(snapshot, PARAMS)
    plan = assemble(snapshot, PARAMS, sequences, eligible, None, "", False, 0)
    return plan.objective.total


def _brute_force(snapshot: Snapshot, state: RouteState, x: int) -> int | None:
    """Cheapest objective change over every (technician, position) that keeps the plan valid.

    A started job stays with the technician it is locked on (the model's rule, as
    eligibility decides it); the checker holds it first on his route."""
    base = _total(snapshot, state.seq) - drop_penalties(snapshot, PARAMS)[x]
    best = None
    lock = int(state.t.started[x])
    for v in [lock] if lock >= 0 else range(len(snapshot.techs)):
        for p in range(state.fixed[v], len(state.seq[v]) + 1):
            trial = [list(s) for s in state.seq]
            trial[v].insert(p, x)
            plan = assemble(snapshot, PARAMS, trial, eligibilities(snapshot, PARAMS),
                            None, "", False, 0)
            try:
                check_plan(snapshot, plan, PARAMS)
            except AssertionError:
                continue
            delta = plan.objective.total - base
            best = delta if best is None else min(best, delta)
    return best


@settings(max_examples=80, deadline=None, derandomize=True)
@given(snapshots(max_techs=3, max_jobs=7, warm=False))
def test_insertion_matches_brute_force(snapshot: Snapshot) -> None:
    """Remove each placed job in turn; the kernel's best re-insertion equals brute force.

    Brute force discounts the job's drop penalty, which leaves the objective when it is
    placed; "feasible nowhere" must agree too. A started job taken off its route has one
    place (first on it), which brute force finds by the checker's rule.
    """
    sequences = construct(snapshot, PARAMS, neighbours=None)
    placed = [(v, j) for v, seq in enumerate(sequences) for j in seq]
    for v, j in placed:
        state = RouteState(tables(snapshot, PARAMS), sequences)
        state.remove(v, j)
        choice = best_insertion(state, j)
        expected = _brute_force(snapshot, state, j)
        if expected is None:
            assert choice is None
        else:
            assert choice is not None
            assert choice.delta == expected


@settings(max_examples=80, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_construction_keeps_every_rule(snapshot: Snapshot) -> None:
    """Skills, pins, started-first, windows, shift cap, no duplicates, times add up."""
    sequences = construct(snapshot, PARAMS, neighbours=1)
    plan = assemble(snapshot, PARAMS, sequences, eligibilities(snapshot, PARAMS), None,
                    "constructed", False, 0)
    check_plan(snapshot, plan, PARAMS)


@st.composite
def loaded_snapshots(draw) -> Snapshot:
    """Random snapshots whose technicians carry a capacity and jobs a demand."""
    snapshot = draw(snapshots(max_techs=3, max_jobs=7, warm=False))
    techs = tuple(dataclasses.replace(t, capacity=draw(st.integers(0, 6)))
                  for t in snapshot.techs)
    jobs = tuple(dataclasses.replace(j, demand=draw(st.integers(0, 3))) for j in snapshot.jobs)
    return dataclasses.replace(snapshot, techs=techs, jobs=jobs)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(loaded_snapshots())
def test_insertion_respects_capacity(snapshot: Snapshot) -> None:
    """Constructed routes never carry more than the technician's capacity, and a job is
    left out only when no route has room, time and skill for it."""
    sequences = construct(snapshot, PARAMS, neighbours=None)
    state = RouteState(tables(snapshot, PARAMS), sequences)
    for tech, seq in zip(snapshot.techs, sequences, strict=True):
        assert sum(snapshot.jobs[j].demand for j in seq) <= tech.capacity
    placed = {j for seq in sequences for j in seq}
    for j in set(range(len(snapshot.jobs))) - placed:
        assert best_insertion(state, j) is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(snapshots(max_techs=4, max_jobs=10, warm=False))
def test_relocating_late_jobs_never_costs_more(snapshot: Snapshot) -> None:
    """Moving the latest jobs to their cheapest place keeps every rule and never raises
    the objective."""
    sequences = construct(snapshot, PARAMS, neighbours=1)
    before = _total(snapshot, sequences)
    state = RouteState(tables(snapshot, PARAMS), sequences)
    relocate_late(state, top=3)
    eligible = eligibilities(snapshot, PARAMS)
    plan = assemble(snapshot, PARAMS, state.seq, eligible, None, "", False, 0)
    check_plan(snapshot, plan, PARAMS)
    assert plan.objective.total <= before


def _full_day(pinned: bool = False, urgent: bool = False) -> tuple[Snapshot, SolveParams]:
    """Li's 4-hour shift holds four 55-minute jobs at one site (15 minutes to spare); a
    30-minute emergency comes in at another site: no position has room for it."""
    params = SolveParams(time_budget_ms=100, max_overtime=0)
    travel = np.array([[0, 300, 300], [300, 0, 300], [300, 300, 0]])
    li = Tech("li", frozenset({"general"}), 0, shift_end=4 * 3600)
    kind = {"due": 1800, "late_weight": 100} if urgent else {"due": 24 * 3600}
    jobs = tuple(Job(f"r{k}", 1, "general", 3300, pinned_to="li" if pinned else None, **kind)
                 for k in range(4))
    return Snapshot(techs=(li,), jobs=jobs, travel=travel), params


def _with_emergency(snapshot: Snapshot, params: SolveParams) -> tuple[list[str], Provisional]:
    """Li's route before, and the emergency's quick insertion."""
    plan = construct_plan(snapshot, params)
    before = [s.job_id for s in plan.route_of("li").stops]
    assert len(before) == 4
    sos = Job("sos", 2, "general", 1800, urgency="emergency", due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, sos))
    placed = insert_job(grown, plan, "sos", params)
    check_plan(grown, placed.plan, params)
    return before, placed


def test_an_emergency_displaces_routine_work_when_no_route_has_room() -> None:
    """Placed first on Li's route at once; one routine job makes way and is unassigned (the
    full re-plan places it elsewhere), instead of the emergency waiting for a search."""
    before, placed = _with_emergency(*_full_day())
    assert placed.tech_id == "li" and placed.position == 0
    assert [s.job_id for s in placed.plan.route_of("li").stops] == ["sos", *before[:3]]
    assert [u.job_id for u in placed.plan.unassigned] == before[3:]  # the last makes way
    assert placed.plan.unassigned[0].reason.startswith("made way for emergency sos")


@pytest.mark.parametrize("kind", ["pinned", "emergencies"])
def test_pinned_work_and_other_emergencies_are_never_displaced(kind: str) -> None:
    before, placed = _with_emergency(*_full_day(pinned=kind == "pinned",
                                                urgent=kind == "emergencies"))
    assert placed.tech_id is None
    assert [s.job_id for s in placed.plan.route_of("li").stops] == before


@pytest.mark.parametrize("kind", ["routine", "pinned"])
def test_a_solve_never_leaves_an_emergency_out_while_routine_work_could_make_way(
        kind: str) -> None:
    """A search cut short left the emergency out as "capacity" on a route full of routine
    work: `fill` (after every full solve) puts it first and the routine job that makes way
    is unassigned naming it; pinned work does not make way, and "capacity" stays true."""
    snapshot, params = _full_day(pinned=kind == "pinned")
    plan = construct_plan(snapshot, params)
    sos = Job("sos", 2, "general", 1800, urgency="emergency", due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, sos))
    cut_short = dataclasses.replace(plan, unassigned=(Unassigned("sos", CAPACITY_REASON),),
                                    status="timeout")
    filled = fill(grown, params, cut_short)
    route = [s.job_id for s in filled.route_of("li").stops]
    if kind == "pinned":  # (the plan as given: its objective was not made for the test)
        assert "sos" not in route
        assert [(u.job_id, u.reason) for u in filled.unassigned] == [("sos", CAPACITY_REASON)]
        return
    check_plan(grown, filled, params)
    assert route[0] == "sos" and filled.status == "timeout"
    assert [u.reason for u in filled.unassigned] == ["made way for emergency sos"]


def _line(started_by: str | None = "li", demand: int = 0) -> tuple[Snapshot, SolveParams]:
    """Li (first technician) at 0 and Wu at 3 on a street 0-1-2-3 (300 s a block); Li's
    job `a` at 1 and the job `s` he has started at 2."""
    params = SolveParams(time_budget_ms=100)
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    techs = (Tech("li", frozenset({"general"}), 0, shift_end=8 * 3600, capacity=3),
             Tech("wu", frozenset({"general"}), 3, shift_end=8 * 3600))
    jobs = (Job("s", 2, "general", 600, started_by=started_by),
            Job("a", 1, "general", 600, demand=demand))
    return Snapshot(techs=techs, jobs=jobs, travel=travel), params


def test_a_started_job_goes_back_first_on_its_own_route_only() -> None:
    """Taken off Li's route [s, a], job s (started by Li) has one place: first on his route,
    although after `a` (on his way) or on Wu's (one block away) would cost less."""
    snapshot, params = _line()
    state = RouteState(tables(snapshot, params), [[0, 1], []])
    state.remove(0, 0)
    costs = insertion_costs(state, 0, np.array([0, 1]))
    finite = [(int(v), int(p)) for v, p in zip(*np.nonzero(costs < INF), strict=True)]
    assert finite == [(0, 0)]
    assert best_insertion(state, 0) == Choice(0, 0, 600)  # 0->2->1 (900 s) for 0->1 (300)


def test_a_job_that_fills_the_route_exactly_fits() -> None:
    """Capacity 3, load 0: a job of demand 3 fits; of demand 4 it does not."""
    for demand, fits in ((3, True), (4, False)):
        snapshot, params = _line(started_by=None, demand=demand)
        state = RouteState(tables(snapshot, params), [[0], []])
        assert (best_insertion(state, 1, np.array([0])) is not None) is fits


def _street(*jobs: Job, shift_end: int = 8 * 3600) -> tuple[Snapshot, SolveParams]:
    """Li at 0 on a street 0-1-2-3 (300 s a block, cost = seconds), with `jobs`."""
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    li = Tech("li", frozenset({"general"}), 0, shift_end=shift_end)
    return Snapshot(techs=(li,), jobs=jobs, travel=travel), SolveParams(time_budget_ms=100)


def test_a_window_is_reachable_up_to_its_latest_start() -> None:
    """One block away (300 s), a window whose latest start is 300 s: he makes it exactly."""
    snapshot, params = _street(Job("x", 1, "general", 60, window=(0, 300)))
    state = RouteState(tables(snapshot, params), [[]])
    assert best_insertion(state, 0) == Choice(0, 0, 300)


def test_a_one_second_delay_makes_the_next_stop_one_second_later() -> None:
    """x (1 s of work where `a` is) goes between `a` and `b`, who is already late: the plan
    costs b's lateness weight (7) once, and no travel."""
    a = Job("a", 1, "general", 600)
    b = Job("b", 2, "general", 600, due=0, late_weight=7)
    snapshot, params = _street(a, b, Job("x", 1, "general", 1))
    state = RouteState(tables(snapshot, params), [[0, 1]])
    assert insertion_costs(state, 2, np.array([0]))[0, 1] == 7


def test_a_delay_a_wait_absorbs_leaves_the_overtime_alone() -> None:
    """Li is already in overtime ([b, c, d] ends at 4,500 s, his shift at 600 s). x (60 s
    where he starts) before b delays b; c waits for its window (3,000 s) anyway, so d (due
    at 5,000 s, not late) and the overtime do not move: the insertion costs nothing."""
    b, d = Job("b", 1, "general", 600), Job("d", 3, "general", 600, due=5000)
    c = Job("c", 2, "general", 600, window=(3000, 9000))
    snapshot, params = _street(b, c, d, Job("x", 0, "general", 60), shift_end=600)
    state = RouteState(tables(snapshot, params), [[0, 1, 2]])
    assert insertion_costs(state, 3, np.array([0]))[0, 0] == 0


def test_a_delay_is_charged_at_every_late_stop_it_reaches() -> None:
    """x (60 s where Li starts) before two late stops delays both by 60 s: 3*60 + 5*60."""
    a = Job("a", 1, "general", 600, due=0, late_weight=3)
    b = Job("b", 2, "general", 600, due=0, late_weight=5)
    snapshot, params = _street(a, b, Job("x", 0, "general", 60))
    state = RouteState(tables(snapshot, params), [[0, 1]])
    assert insertion_costs(state, 2, np.array([0]))[0, 0] == 480


def test_a_delay_may_push_a_later_stop_to_its_latest_start() -> None:
    """b's window closes at 1,200 s; he gets there at 1,140 s. x (60 s) first makes it exactly
    1,200 s: still feasible, and free."""
    a = Job("a", 1, "general", 540)
    b = Job("b", 2, "general", 600, window=(0, 1200))
    snapshot, params = _street(a, b, Job("x", 0, "general", 60))
    state = RouteState(tables(snapshot, params), [[0, 1]])
    assert insertion_costs(state, 2, np.array([0]))[0, 0] == 0


def test_the_trip_home_counts_in_travel_and_overtime() -> None:
    """Li starts at 1 and ends at home, place 0; shift ends at 1,200 s. [a at 2] ends home at
    1,500 s (300 s over). x (600 s at 3) after a: 300 s more driving out, home from 3
    instead of 2 (+300 s), home at 2,700 s: overtime 1,500 s, 1,200 more at 2 a second.
    3,000 in all."""
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    li = Tech("li", frozenset({"general"}), 1, shift_end=1200, end_location=0)
    jobs = (Job("a", 2, "general", 600), Job("x", 3, "general", 600))
    params = SolveParams(time_budget_ms=100)
    state = RouteState(tables(Snapshot(techs=(li,), jobs=jobs, travel=travel), params), [[0]])
    assert insertion_costs(state, 1, np.array([0]))[0, 1] == 3000


def test_a_job_may_end_exactly_at_the_end_of_the_overtime() -> None:
    """Shift ends at 900 s, no overtime allowed: 300 s away, 600 s of work end at 900 s."""
    snapshot, params = _street(Job("x", 1, "general", 600), shift_end=900)
    params = dataclasses.replace(params, max_overtime=0)
    state = RouteState(tables(snapshot, params), [[]])
    assert best_insertion(state, 0) == Choice(0, 0, 300)


def test_an_emergency_goes_to_the_one_technician_who_can_fix_it() -> None:
    """Li (general, a routine job on his route) and Wu (elevator, free): the elevator
    emergency goes first on Wu's route at once, Li's route untouched, nothing displaced."""
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    techs = (Tech("li", frozenset({"general"}), 0, shift_end=8 * 3600),
             Tech("wu", frozenset({"elevator"}), 3, shift_end=8 * 3600))
    params = SolveParams(time_budget_ms=100)
    snapshot = Snapshot(techs=techs, jobs=(Job("r", 1, "general", 600),), travel=travel)
    plan = construct_plan(snapshot, params)
    sos = Job("sos", 2, "elevator", 1800, urgency="emergency", due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, sos))
    placed = insert_job(grown, plan, "sos", params)
    check_plan(grown, placed.plan, params)
    assert (placed.tech_id, placed.position) == ("wu", 0)
    assert placed.plan.sequences() == {"li": ("r",), "wu": ("sos",)}
    assert placed.plan.unassigned == ()


def test_an_emergency_that_fits_displaces_nothing() -> None:
    """Li's day has room: the emergency joins his route and his routine job stays on it."""
    snapshot, params = _street(Job("r", 1, "general", 600))
    plan = construct_plan(snapshot, params)
    sos = Job("sos", 2, "general", 1800, urgency="emergency", due=1800, late_weight=100)
    grown = dataclasses.replace(snapshot, jobs=(*snapshot.jobs, sos))
    placed = insert_job(grown, plan, "sos", params)
    check_plan(grown, placed.plan, params)
    assert placed.tech_id == "li" and placed.plan.unassigned == ()
    assert sorted(placed.plan.sequences()["li"]) == ["r", "sos"]


def test_a_choice_cannot_be_changed_in_place() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Choice(0, 0, 1).delta = 0  # type: ignore[misc]


def _two_on_the_street(li_jobs: list[Job], wu_jobs: list[Job]) -> tuple[Snapshot, RouteState]:
    """Li at 0 and Wu at 3 on the street, each with his jobs in the given order."""
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    techs = (Tech("li", frozenset({"general"}), 0, shift_end=8 * 3600),
             Tech("wu", frozenset({"general"}), 3, shift_end=8 * 3600))
    snapshot = Snapshot(techs=techs, jobs=(*li_jobs, *wu_jobs), travel=travel)
    n = len(li_jobs)
    state = RouteState(tables(snapshot, SolveParams()),
                       [list(range(n)), list(range(n, n + len(wu_jobs)))])
    return snapshot, state


def test_the_latest_stops_come_first_by_weighted_lateness() -> None:
    """Li: a (start 300 s, due 0, weight 1: 300), b (start 1,200 s, weight 10: 12,000), c (no
    due). Wu: d at his own place, due -1 s: 1. Stops on time are left out."""
    snapshot, state = _two_on_the_street(
        [Job("a", 1, "general", 600, due=0, late_weight=1),
         Job("b", 2, "general", 600, due=0, late_weight=10), Job("c", 3, "general", 600)],
        [Job("d", 3, "general", 600, due=-1, late_weight=1)])
    assert late_stops(state, 5) == [(0, 1), (0, 0), (1, 3)]
    assert late_stops(state, 1) == [(0, 1)]


def test_a_late_job_moves_to_whoever_reaches_it_in_time() -> None:
    """a (at 3, due at 0, weight 100) is on Li's route, 900 s away; Wu stands there: it moves
    to him, and both routes changed."""
    _, state = _two_on_the_street([Job("a", 3, "general", 600, due=0, late_weight=100)], [])
    assert relocate_late(state) == [0, 1]
    assert state.seq == [[], [0]]


def test_a_late_job_already_at_its_cheapest_place_stays() -> None:
    """Li alone can take a: moving it elsewhere on his route costs no less; nothing changes."""
    _, state = _two_on_the_street([Job("a", 1, "general", 600, due=0, late_weight=100)], [])
    state.t.allowed[0, 1] = False  # Wu cannot take it
    assert relocate_late(state) == [] and state.seq == [[0], []]


def test_the_route_that_loses_least_makes_way() -> None:
    """Both full (four 55-minute jobs in a 4-hour shift); Li's are worth more (late weight
    50) than Wu's (1): Wu's last job makes way for the emergency, Li's route is untouched."""
    params = SolveParams(time_budget_ms=100, max_overtime=0)
    travel = np.array([[0, 300, 300], [300, 0, 300], [300, 300, 0]])
    techs = (Tech("li", frozenset({"general"}), 0, shift_end=4 * 3600),
             Tech("wu", frozenset({"general"}), 0, shift_end=4 * 3600))
    jobs = (*(Job(f"l{k}", 1, "general", 3300, late_weight=50) for k in range(4)),
            *(Job(f"w{k}", 1, "general", 3300) for k in range(4)),
            Job("sos", 2, "general", 1800, urgency="emergency", due=1800, late_weight=100))
    snapshot = Snapshot(techs=techs, jobs=jobs, travel=travel)
    routes = {"li": ("l0", "l1", "l2", "l3"), "wu": ("w0", "w1", "w2", "w3")}
    before = dataclasses.replace(snapshot, jobs=jobs[:8])
    plan = assemble(before, params, [[0, 1, 2, 3], [4, 5, 6, 7]],
                    eligibilities(before, params), None, "", False, 0)
    assert plan.sequences() == routes and plan.unassigned == ()
    placed = eject_for(snapshot, plan, "sos", params)
    assert placed is not None
    check_plan(snapshot, placed, params)
    assert placed.sequences()["li"] == routes["li"]
    assert placed.sequences()["wu"][0] == "sos"
    assert [u.job_id for u in placed.unassigned] == ["w3"]
    assert placed.unassigned[0].reason == ("made way for emergency sos (the next re-plan "
                                           "places it)")
