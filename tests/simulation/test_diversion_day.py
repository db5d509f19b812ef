"""A technician turned round (or called away from work) for an emergency in the simulated
world: where he stops, what happens to the ticket he gave up, and how the report counts it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.simulation.policies.engine import EnginePolicy
from dispatcher.simulation.policies.nearest import NearestPolicy
from dispatcher.simulation.report import build_report
from dispatcher.simulation.world import Fate, World
from tests.simulation.conftest import line_scenario, make_ticket

PLUMBER = (Skill.plumber,)


def day() -> tuple[object, list]:
    """Wang (0 km) sets off to a leak 5 km east (20 min); 3 minutes later a pipe bursts at
    0.5 km. Li, the other plumber, is 14 km east: 52 minutes from the burst."""
    sc = line_scenario([("wang", PLUMBER, 0.0), ("li", PLUMBER, 14.0)])
    return sc, [make_ticket(sc, 1, 0, 5.0, category=Category.water),
                make_ticket(sc, 2, 3, 0.5, urgency=Urgency.emergency, category=Category.water)]


def engine_day(sc: object, tickets: list) -> tuple[World, EnginePolicy]:
    """The day played under the engine."""
    world = World(sc, tickets, seed=1)
    policy = EnginePolicy()
    world.run(policy)
    return world, policy


def test_the_engine_turns_wang_round_and_still_fixes_the_leak() -> None:
    sc, tickets = day()
    world, policy = engine_day(sc, tickets)
    leak, burst = world.outcomes[1], world.outcomes[2]
    assert burst.tech == 0 and (burst.on_site_at - tickets[1].reported_at).seconds < 30 * 60
    assert leak.fate is Fate.completed and burst.fate is Fate.completed
    assert [t[:2] for t in world.trips][:2] == [(0, 1), (0, 2)]  # the leak, cut short, then
    report = build_report(world, policy)
    assert report.diversions == 1 and report.churn == 0
    driven = sum(m for _, _, m in world.trips) / 1000
    assert report.travel_km < driven  # the undriven part of the cut leg is not counted


def test_nearest_never_turns_anyone_round() -> None:
    sc, tickets = day()
    world = World(sc, tickets, seed=1)
    world.run(NearestPolicy())
    assert world.diversions == 0
    assert world.outcomes[2].tech == 1  # Li was the nearest free one


def test_only_a_driving_technician_can_be_turned_round() -> None:
    sc, tickets = day()
    world = World(sc, tickets, seed=1)
    with pytest.raises(RuntimeError, match="not driving"):
        world.divert(0)


def working_day() -> tuple[object, list]:
    """Wang (0 km) fixes a tap where he stands, 90 minutes of work; 20 minutes in, a pipe
    bursts at 0.5 km. Li, the other plumber, is 14 km east: 52 minutes from the burst."""
    sc = line_scenario([("wang", PLUMBER, 0.0), ("li", PLUMBER, 14.0)])
    return sc, [make_ticket(sc, 1, 0, 0.0, category=Category.water, service_min=90),
                make_ticket(sc, 2, 20, 0.5, urgency=Urgency.emergency, category=Category.water)]


def test_the_engine_calls_wang_away_and_he_finishes_the_tap_later() -> None:
    """The burst pipe is reached in minutes; the tap is finished afterwards with the work
    that was left (90 min in all, not 90 more); its first arrival is the one reported."""
    sc, tickets = working_day()
    world, policy = engine_day(sc, tickets)
    tap, burst = world.outcomes[1], world.outcomes[2]
    assert burst.tech == 0 and (burst.on_site_at - tickets[1].reported_at).seconds < 10 * 60
    assert tap.fate is Fate.completed and tap.tech == 0
    assert tap.on_site_at == tickets[0].reported_at  # the first arrival, not the return
    assert tap.completed_at - tap.work_from < timedelta(minutes=75)  # 70 left after 20
    assert [t[:2] for t in world.trips] == [(0, 1), (0, 2), (0, 1)]
    report = build_report(world, policy)
    assert report.interruptions == 1 and report.diversions == 0 and report.churn == 0
    busy = world.techs[0].busy_s
    driven = sum(world.seconds(a, b) for a, b in ((sc.technicians[0].home, tickets[1].point),
                                                   (tickets[1].point, tickets[0].point)))
    assert busy == pytest.approx(90 * 60 + 30 * 60 + driven, abs=60)  # work, burst, 2 legs


def test_only_a_technician_at_work_can_be_called_away() -> None:
    sc, tickets = working_day()
    world = World(sc, tickets, seed=1)
    with pytest.raises(RuntimeError, match="not at work"):
        world.interrupt(0)
