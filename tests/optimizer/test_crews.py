"""Hand-worked crew tickets: synchronised arrival, all-or-nothing with reasons, started
members, neighbourhoods that never split a crew, and one-person plans as before.

Places lie on a line; `line_travel` of positions in minutes gives travel seconds.
"""

from __future__ import annotations

import numpy as np

from optimizer import Job, Snapshot, SolveParams, Tech, solve
from optimizer.crews import closed, member_id, ticket_of, with_partners
from optimizer.eligibility import drop_penalties, eligibilities, horizon
from optimizer.insert import INF, insert_job, insertion_costs
from optimizer.replan import replan
from optimizer.routes import RouteState, tables
from optimizer.schedule import assemble
from tests.optimizer.conftest import check_plan, line_travel
from tests.optimizer.crew_support import check_crew_plan

PARAMS = SolveParams(time_budget_ms=200)
FIRE, GENERAL = frozenset({"fire"}), frozenset({"general"})


def _minutes(*positions: int) -> np.ndarray:
    return line_travel([60 * p for p in positions])


def _alarm(where: int, tolerance: int = 300, **first) -> tuple[Job, Job]:
    """A fire alarm: one `fire` and one `general` technician on site together."""
    return (Job("T1", where, "fire", 600, crew="T1", crew_tolerance=tolerance, **first),
            Job("T1#2", where, "general", 600, crew="T1", crew_tolerance=tolerance))


def _stops(plan) -> dict[str, tuple[str, int, int]]:
    return {s.job_id: (r.tech_id, s.arrival, s.start) for r in plan.routes for s in r.stops}


def test_member_ids_map_back_to_their_ticket() -> None:
    """``T17``, ``T17#2``, ``T17#3`` are the members of ticket T17; other ids are their own."""
    assert [member_id("T17", k) for k in (1, 2, 3)] == ["T17", "T17#2", "T17#3"]
    assert {ticket_of(x) for x in ("T17", "T17#2", "T17#3")} == {"T17"}
    assert ticket_of("job#x") == "job#x"


def test_technicians_far_apart_arrive_within_the_tolerance() -> None:
    """The fire technician is 30 min from the alarm, the general one 70 min: the first
    leaves later and arrives at 70 - 5 = 65 min, both start within 5 min."""
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1)), _alarm(2),
                        _minutes(0, 100, 30))
    plan = solve(snapshot, PARAMS)
    stops = _stops(plan)
    assert stops["T1"] == ("a", 65 * 60, 65 * 60)
    assert stops["T1#2"] == ("b", 70 * 60, 70 * 60)
    assert plan.objective.travel == 100 * 60 and plan.objective.total == 100 * 60
    check_crew_plan(snapshot, plan, PARAMS)


def test_crew_whose_skills_no_team_covers_is_unassigned_with_the_reason() -> None:
    """Two fire technicians and nobody with `general`: the alarm cannot be staffed, and the
    reason is known before solving."""
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", FIRE, 1)), _alarm(2),
                        _minutes(0, 10, 5))
    reasons = [e.reason for e in eligibilities(snapshot, PARAMS)]
    expected = "crew ticket T1: needs 2 technicians with skills fire + general"
    assert all(r is not None and r.startswith(expected) for r in reasons)
    plan = solve(snapshot, PARAMS)
    assert {u.job_id for u in plan.unassigned} == {"T1", "T1#2"}
    assert all(u.reason.startswith(expected) for u in plan.unassigned)


def test_crew_of_two_with_one_qualified_technician_is_unassigned() -> None:
    """One technician holds both skills, the other neither: one person cannot be two."""
    both = Tech("a", FIRE | GENERAL, 0)
    snapshot = Snapshot((both, Tech("b", frozenset({"plumber"}), 1)), _alarm(2),
                        _minutes(0, 10, 5))
    plan = solve(snapshot, PARAMS)
    assert plan.routes[0].stops == () and len(plan.unassigned) == 2
    assert all(u.reason.endswith("; 1 qualified") for u in plan.unassigned)


def test_started_member_stays_first_and_its_partner_comes() -> None:
    """Technician a is on his way to the alarm at 50 min; a routine job next to him does
    not go first, and the general technician meets him there."""
    alarm = _alarm(2, started_by="a")
    near = Job("j1", 3, "fire", 600)
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1)), (*alarm, near),
                        _minutes(0, 60, 50, 1))
    plan = solve(snapshot, PARAMS)
    assert [s.job_id for s in plan.routes[0].stops] == ["T1", "j1"]
    assert [s.job_id for s in plan.routes[1].stops] == ["T1#2"]
    check_crew_plan(snapshot, plan, PARAMS)


def test_members_windows_too_far_apart_are_explained() -> None:
    """Members booked an hour apart with a 5-minute tolerance cannot meet."""
    first, second = _alarm(2)
    second = Job(second.id, 2, "general", 600, window=(3600, 3700), crew="T1",
                 crew_tolerance=300)
    first = Job(first.id, 2, "fire", 600, window=(0, 100), crew="T1", crew_tolerance=300)
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1)), (first, second),
                        _minutes(0, 0, 0))
    plan = solve(snapshot, PARAMS)
    assert all("windows are too far apart" in u.reason for u in plan.unassigned)


def test_crews_crossing_on_two_routes_are_taken_off() -> None:
    """Routes a: X, Y and b: Y#2, X#2 with an hour of service each and no tolerance: each
    crew waits for the other, so no timing exists and both come off the plan."""
    jobs = tuple(Job(member_id(c, k), 2, "fire", 3600, crew=c, crew_tolerance=0)
                 for c in ("X", "Y") for k in (1, 2))
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", FIRE, 1)), jobs, _minutes(0, 0, 0))
    eligible = eligibilities(snapshot, PARAMS)
    plan = assemble(snapshot, PARAMS, [[0, 2], [3, 1]], eligible, None, "", False, 0)
    assert len(plan.unassigned) == 4
    synced = assemble(snapshot, PARAMS, [[0, 2], [1, 3]], eligible, None, "", False, 0)
    assert not synced.unassigned
    check_crew_plan(snapshot, synced, PARAMS)


def test_a_crew_costs_its_base_penalty_once() -> None:
    """Dropping a crew of two costs the base penalty once plus each member's worst service
    cost: more than one single ticket of the same urgency, less than two."""
    alarm = _alarm(2)
    single = Job("j1", 2, "fire", 600)
    snapshot = Snapshot((Tech("a", FIRE, 0),), (*alarm, single), _minutes(0, 0, 0))
    penalty = drop_penalties(snapshot, PARAMS)
    worst = penalty[2] - PARAMS.drop_penalty
    assert penalty[:2] == [PARAMS.drop_penalty + worst, worst]
    assert penalty[2] < sum(penalty[:2]) < 2 * penalty[2]


def test_neighbourhoods_never_split_a_crew() -> None:
    """A part around technician a takes b too (his partner); a part given a and c but not b
    leaves a and his jobs out."""
    jobs = (*_alarm(2), Job("j1", 2, "fire", 600))
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1), Tech("c", FIRE, 2)),
                        jobs, _minutes(0, 0, 0))
    routes = {"a": ("T1",), "b": ("T1#2",), "c": ("j1",)}
    assert with_partners(snapshot, routes, [0]) == [0, 1]
    assert closed(snapshot, routes, [0, 2], [0, 2]) == ([2], [2])
    assert closed(snapshot, {}, [0], [0, 2]) == ([0], [2])  # half an unrouted crew: out


def test_one_person_snapshot_plans_as_before() -> None:
    """Hand-checked: a reaches j1 at 10 min and j2 at 30 min (due 25: 300 s late), b reaches
    j3 at 10 min; 30 min of travel, objective 1800 + 300. Drop penalties as before crews."""
    snapshot = Snapshot(
        (Tech("a", GENERAL, 0), Tech("b", GENERAL, 1)),
        (Job("j1", 2, "general", 600), Job("j2", 3, "general", 600, due=1500),
         Job("j3", 4, "general", 600)),
        _minutes(0, 100, 10, 20, 90))
    plan = solve(snapshot, PARAMS)
    assert plan.sequences() == {"a": ("j1", "j2"), "b": ("j3",)}
    assert (plan.objective.travel, plan.objective.lateness, plan.objective.total) == (
        1800, 300, 2100)
    span = horizon(snapshot, PARAMS)
    base = PARAMS.drop_penalty + PARAMS.overtime_weight * PARAMS.max_overtime + 2 * 100 * 60
    assert drop_penalties(snapshot, PARAMS) == [base + span] * 3
    check_plan(snapshot, plan, PARAMS)


def test_insert_job_places_a_new_crew_ticket_whole() -> None:
    """The fast insertion of a new alarm puts both members on, synchronised; the lead's
    technician and place are what it reports."""
    alarm = _alarm(2)
    routine = Job("j1", 3, "general", 600)
    techs = (Tech("a", FIRE, 0), Tech("b", GENERAL, 1))
    before = Snapshot(techs, (routine,), _minutes(0, 40, 20, 45))
    after = Snapshot(techs, (routine, *alarm), _minutes(0, 40, 20, 45))
    found = insert_job(after, solve(before, PARAMS), "T1", PARAMS)
    assert (found.tech_id, found.position) == ("a", 0)
    assert _stops(found.plan)["T1#2"][0] == "b"
    check_crew_plan(after, found.plan, PARAMS)


def test_replan_elsewhere_leaves_a_planned_crew_in_place() -> None:
    """Re-planning around technician c (no crew) keeps the alarm on a and b, still in
    sync; re-planning around a re-plans b with him."""
    jobs = (*_alarm(3), Job("j1", 4, "fire", 600))
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1), Tech("c", FIRE, 2)),
                        jobs, _minutes(0, 60, 100, 30, 99))
    plan = solve(snapshot, PARAMS)
    for tech in ("c", "a"):
        again = replan(snapshot, plan, PARAMS, [tech], 4, neighbours=0, budget_ms=50)
        assert again.sequences() == plan.sequences()
        check_crew_plan(snapshot, again, PARAMS)


def test_single_jobs_cannot_push_a_crew_member_out_of_its_band() -> None:
    """a is at the alarm after 10 min, b after 50, no tolerance: a's member starts at 50 min.
    An hour-long job fits after it on a's route but not before it."""
    alarm = _alarm(2, tolerance=0)
    long = Job("j1", 0, "fire", 3600)
    snapshot = Snapshot((Tech("a", FIRE, 0), Tech("b", GENERAL, 1)), (*alarm, long),
                        _minutes(0, 60, 10))
    state = RouteState(tables(snapshot, PARAMS), [[0], [1]])
    assert state.band[0] == state.band[1] == (3000, 3000)
    costs = insertion_costs(state, 2, np.array([0]))
    assert costs[0, 0] >= INF > costs[0, 1]
