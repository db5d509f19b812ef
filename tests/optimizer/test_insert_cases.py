"""Worked cases of quick insertion's search rules: which jobs make way for an emergency and
which go back, which route loses, which emergencies `make_way` takes and in what order, the
routes `insert_job` tries, and which late jobs `relocate_late` moves. Each expectation is
worked out by hand in its docstring (the numbers are seconds)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer import Job, Plan, Snapshot, SolveParams, Tech, Unassigned
from optimizer.eligibility import CAPACITY_REASON, eligibilities
from optimizer.insert import eject_for, insert_job, late_stops, make_way, relocate_late
from optimizer.routes import RouteState, tables
from optimizer.schedule import assemble
from tests.optimizer.conftest import check_plan

FULL = SolveParams(time_budget_ms=100, max_overtime=0)
# Three places 300 s apart: 0 where the technicians start, 1 the routine work, 2 the emergency.
TRIANGLE = np.array([[0, 300, 300], [300, 0, 300], [300, 300, 0]])
DAY = 4 * 3600
GENERAL = frozenset({"general"})


def _plan(snapshot: Snapshot, sequences: list[list[int]]) -> Plan:
    """The plan with these routes (job indices), as the solver would report it."""
    return assemble(snapshot, FULL, sequences, eligibilities(snapshot, FULL), None, "", False, 0)


def _emergency(name: str, service: int, due: int = 1800) -> Job:
    return Job(name, 2, "general", service, urgency="emergency", due=due, late_weight=100)


def test_jobs_come_off_cheapest_first_and_the_dearest_that_fits_goes_back() -> None:
    """Li's day (14,400) holds a (1,200, weight 1), b (1,500, weight 2), c (2,100, weight 3)
    and two 4,500 jobs of weight 50, 300 of driving: 300 to spare. The emergency needs 3,300
    (3,000 of work, 300 more driving). Off come a (1,500 spare), b (3,000), c (5,100): it fits,
    1,800 to spare. Back, dearest first: c needs 2,100, no; b needs 1,500, yes (300 left);
    a needs 1,200, no. a and c make way; the plan says it was inserted."""
    jobs = (Job("a", 1, "general", 1200, late_weight=1), Job("b", 1, "general", 1500,
                                                                late_weight=2),
            Job("c", 1, "general", 2100, late_weight=3),
            Job("f1", 1, "general", 4500, late_weight=50),
            Job("f2", 1, "general", 4500, late_weight=50))
    li = Tech("li", GENERAL, 0, shift_end=DAY)
    plan = _plan(Snapshot(techs=(li,), jobs=jobs, travel=TRIANGLE), [[0, 1, 2, 3, 4]])
    grown = Snapshot(techs=(li,), jobs=(*jobs, _emergency("sos", 3000)), travel=TRIANGLE)
    placed = eject_for(grown, plan, "sos", FULL)
    assert placed is not None
    check_plan(grown, placed, FULL)
    assert placed.sequences() == {"li": ("sos", "b", "f1", "f2")}
    assert [u.job_id for u in placed.unassigned] == ["a", "c"]
    assert placed.status == "inserted"


def _two_full_routes(wu_start: int) -> tuple[Snapshot, Plan]:
    """Li (at 0) and Wu each with four 3,300 jobs of weight 1 in a 14,400 day (900 spare
    after 300 of driving), and a 1,800 emergency no route has room for."""
    techs = (Tech("li", GENERAL, 0, shift_end=DAY), Tech("wu", GENERAL, wu_start, shift_end=DAY))
    jobs = tuple(Job(f"{who}{k}", 1, "general", 3300) for who in ("l", "w") for k in range(4))
    before = Snapshot(techs=techs, jobs=jobs, travel=TRIANGLE)
    return (dataclasses.replace(before, jobs=(*jobs, _emergency("sos", 1800))),
            _plan(before, [[0, 1, 2, 3], [4, 5, 6, 7]]))


def test_of_two_routes_that_lose_the_same_the_technician_who_reaches_it_first_makes_way(
        ) -> None:
    """Both lose one job of the same weight; Li (first in the order of who could reach the
    emergency first, a tie at 300) keeps the choice: his last job makes way, Wu's route stays."""
    snapshot, plan = _two_full_routes(wu_start=0)
    placed = eject_for(snapshot, plan, "sos", FULL)
    assert placed is not None
    assert placed.sequences() == {"li": ("sos", "l0", "l1", "l2"),
                                  "wu": ("w0", "w1", "w2", "w3")}


def test_routine_work_left_out_for_capacity_displaces_nothing() -> None:
    """`make_way` serves emergencies only: a routine job left out for capacity, with cheaper
    work on the route, leaves the plan as it is (the same object)."""
    li = Tech("li", GENERAL, 0, shift_end=DAY)
    jobs = (*(Job(f"r{k}", 1, "general", 3300) for k in range(4)),
            Job("dear", 2, "general", 1800, late_weight=50))
    snapshot = Snapshot(techs=(li,), jobs=jobs, travel=TRIANGLE)
    plan = dataclasses.replace(_plan(snapshot, [[0, 1, 2, 3]]),
                               unassigned=(Unassigned("dear", CAPACITY_REASON),))
    assert make_way(snapshot, plan, FULL) is plan


def _one_job_can_move(emergencies: tuple[Job, ...]) -> tuple[Snapshot, Plan]:
    """Li: routine r (3,300) and three 3,300 jobs pinned to him; 900 spare. Taking r off leaves
    4,200: room for one 2,400 emergency (2,700 with the detour), not two (5,100)."""
    li = Tech("li", GENERAL, 0, shift_end=DAY)
    jobs = (Job("r", 1, "general", 3300),
            *(Job(f"p{k}", 1, "general", 3300, pinned_to="li") for k in range(3)))
    snapshot = Snapshot(techs=(li,), jobs=(*jobs, *emergencies), travel=TRIANGLE)
    plan = _plan(dataclasses.replace(snapshot, jobs=jobs), [[0, 1, 2, 3]])
    return snapshot, dataclasses.replace(plan, unassigned=tuple(
        Unassigned(e.id, CAPACITY_REASON) for e in emergencies))


def test_the_most_overdue_emergency_is_placed_first() -> None:
    """e1 (due in 30 min) and e2 (an hour overdue: the higher drop penalty), room for one:
    e2 takes r's place; e1 stays out for capacity, r made way for e2."""
    snapshot, plan = _one_job_can_move((_emergency("e1", 2400),
                                        _emergency("e2", 2400, due=-3600)))
    made = make_way(snapshot, plan, FULL)
    assert made.sequences()["li"][0] == "e2"
    assert dict((u.job_id, u.reason) for u in made.unassigned) == {
        "e1": CAPACITY_REASON, "r": "made way for emergency e2"}


def test_each_job_that_made_way_keeps_the_name_of_its_emergency() -> None:
    """Li and Wu each have one routine job that can move (the rest pinned); e1 and e2 each
    take one: both displaced jobs name their own emergency after both ejections."""
    techs = (Tech("li", GENERAL, 0, shift_end=DAY), Tech("wu", GENERAL, 0, shift_end=DAY))
    jobs = (Job("rl", 1, "general", 3300), Job("rw", 1, "general", 3300),
            *(Job(f"p{who}{k}", 1, "general", 3300, pinned_to=who) for who in ("li", "wu")
              for k in range(3)))
    emergencies = (_emergency("e1", 2400, due=-3600), _emergency("e2", 2400))
    snapshot = Snapshot(techs=techs, jobs=(*jobs, *emergencies), travel=TRIANGLE)
    plan = _plan(dataclasses.replace(snapshot, jobs=jobs), [[0, 2, 3, 4], [1, 5, 6, 7]])
    plan = dataclasses.replace(plan, unassigned=(Unassigned("e1", CAPACITY_REASON),
                                                 Unassigned("e2", CAPACITY_REASON)))
    made = make_way(snapshot, plan, FULL)
    check_plan(snapshot, made, FULL)
    firsts = {made.sequences()[tech][0] for tech in ("li", "wu")}
    assert firsts == {"e1", "e2"}
    owner = {made.sequences()[tech][0]: tech for tech in ("li", "wu")}
    displaced = {"li": "rl", "wu": "rw"}
    assert dict((u.job_id, u.reason) for u in made.unassigned) == {
        displaced[owner[e]]: f"made way for emergency {e}" for e in ("e1", "e2")}


def _far_and_near(**job: object) -> tuple[Snapshot, Plan]:
    """Places: 0 where seven plumbers start, 1 the new job's place (600 from 0), 2 where Zhao
    (general only) starts, 3,000 from both. Zhao's route has a job at 1; the first job of the
    snapshot is a plumbing job at 0 on the first plumber's route."""
    travel = np.array([[0, 600, 3000], [600, 0, 3000], [3000, 3000, 0]])
    techs = (*(Tech(f"p{k}", frozenset({"plumber", "general"}), 0, shift_end=DAY)
               for k in range(7)), Tech("zhao", GENERAL, 2, shift_end=DAY))
    jobs = (Job("pipe", 0, "plumber", 600), Job("g", 1, "general", 600))
    before = Snapshot(techs=techs, jobs=jobs, travel=travel)
    plan = _plan(before, [[0], [], [], [], [], [], [], [1]])
    return dataclasses.replace(before, jobs=(*jobs, Job("x", 1, "general", 600, **job))), plan


def test_a_new_job_joins_the_route_that_passes_by_it_though_its_technician_is_far() -> None:
    """Zhao is 3,000 away but his route stops where x is: beside g (before it: the earliest
    of the places that cost nothing) it costs no driving; a plumber would drive 600. The
    routes tried are those the new job's own eligibility allows, nearest x, not those of
    another job."""
    snapshot, plan = _far_and_near()
    placed = insert_job(snapshot, plan, "x", FULL)
    assert (placed.tech_id, placed.position) == ("zhao", 0)
    assert placed.plan.sequences()["zhao"] == ("x", "g")


def test_jobs_already_unassigned_are_not_offered_again_by_a_quick_insertion() -> None:
    """u was left out by the plan; the new job x is placed and u stays out for the full
    re-plan (a quick insertion changes only what it must)."""
    li = Tech("li", GENERAL, 0, shift_end=DAY)
    jobs = (Job("u", 1, "general", 600),)
    before = Snapshot(techs=(li,), jobs=jobs, travel=TRIANGLE)
    plan = dataclasses.replace(_plan(before, [[]]), unassigned=(Unassigned("u", "held"),))
    grown = dataclasses.replace(before, jobs=(*jobs, Job("x", 1, "general", 600)))
    placed = insert_job(grown, plan, "x", FULL)
    assert placed.plan.sequences() == {"li": ("x",)}
    assert [u.job_id for u in placed.plan.unassigned] == ["u"]


def test_a_quick_insertion_tries_the_24_nearest_routes() -> None:
    """24 technicians stand where x is, their vans full (capacity 0); the 25th, 600 away, has
    room. The quick insertion tries the 24 nearest routes (and the 6 who could reach x first,
    among them): x waits for the full re-plan."""
    travel = np.array([[0, 600], [600, 0]])
    techs = (*(Tech(f"t{k}", GENERAL, 0, shift_end=DAY, capacity=0) for k in range(24)),
             Tech("far", GENERAL, 1, shift_end=DAY, capacity=1))
    before = Snapshot(techs=techs, jobs=(), travel=travel)
    plan = _plan(before, [[] for _ in techs])
    grown = dataclasses.replace(before, jobs=(Job("x", 0, "general", 600, demand=1),))
    assert insert_job(grown, plan, "x", FULL).tech_id is None
    assert insert_job(grown, plan, "x", FULL, neighbours=25).tech_id == "far"


def test_only_the_8_who_could_reach_an_emergency_first_are_asked_to_make_way() -> None:
    """Eight technicians at the emergency's door, their days full of pinned work; the ninth,
    300 further, has routine work that could make way. Only the first eight are asked."""
    travel = np.array([[0, 300, 300], [300, 0, 300], [300, 300, 0]])
    near = [Tech(f"t{k}", GENERAL, 2, shift_end=DAY) for k in range(8)]
    techs = (*near, Tech("far", GENERAL, 0, shift_end=DAY))
    jobs = tuple(Job(f"{t.id}-{k}", 1, "general", 3300, pinned_to=t.id if t.id != "far"
                     else None) for t in techs for k in range(4))
    before = Snapshot(techs=techs, jobs=jobs, travel=travel)
    plan = _plan(before, [list(range(4 * v, 4 * v + 4)) for v in range(len(techs))])
    grown = dataclasses.replace(before, jobs=(*jobs, _emergency("sos", 1800)))
    assert eject_for(grown, plan, "sos", FULL) is None
    assert eject_for(grown, plan, "sos", FULL, candidates=9) is not None


def _street(techs: int, jobs: list[Job], started: bool = False) -> RouteState:
    """Li at 0 on a street 0-1-2-3 (300 a block) with `jobs` in order; `techs` more
    technicians with empty routes stand at 3."""
    travel = np.array([[300 * abs(i - k) for k in range(4)] for i in range(4)])
    crew = (Tech("li", GENERAL, 0, shift_end=DAY),
            *(Tech(f"w{k}", GENERAL, 3, shift_end=DAY) for k in range(techs)))
    snapshot = Snapshot(techs=crew, jobs=tuple(jobs), travel=travel)
    return RouteState(tables(snapshot, FULL), [list(range(len(jobs))),
                                               *([] for _ in range(techs))])


def test_the_5_latest_jobs_move_to_whoever_reaches_them_in_time() -> None:
    """Li's six jobs at 3 (900 away, due at 0) start at 900, 1,500, ..., 3,900. Six free
    technicians stand at 3. The five latest (j5..j1) each move to a free one (late 0 there);
    j0 stays; every route that changed is reported. Then only j0 is late."""
    state = _street(6, [Job(f"j{k}", 3, "general", 600, due=0, late_weight=1)
                        for k in range(6)])
    assert relocate_late(state) == [0, 1, 2, 3, 4, 5]
    assert state.seq == [[0], [5], [4], [3], [2], [1], []]
    assert late_stops(state, 10) == [(0, 0)]


def test_a_started_late_job_is_skipped_and_the_next_late_one_still_moves() -> None:
    """s (started by Li, weight 10: 9,000 late) is the latest but stays first on his route;
    a (1,500 late) moves to Wu, who stands at 3."""
    state = _street(1, [Job("s", 3, "general", 600, due=0, late_weight=10, started_by="li"),
                        Job("a", 3, "general", 600, due=0, late_weight=1)])
    assert late_stops(state, 5) == [(0, 0), (0, 1)]
    assert relocate_late(state) == [0, 1]
    assert state.seq == [[0], [1]]


def test_a_provisional_place_cannot_be_changed_in_place() -> None:
    """It is published to the console and the app as given."""
    snapshot, plan = _far_and_near()
    placed = insert_job(snapshot, plan, "x", FULL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        placed.tech_id = "p0"  # type: ignore[misc]
