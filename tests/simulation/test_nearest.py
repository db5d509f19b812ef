"""`nearest` does what today's dispatchers do, on days small enough to check by hand."""

from __future__ import annotations

from dispatcher.enums import Category, Skill, Urgency
from dispatcher.simulation.policies.nearest import NearestPolicy
from dispatcher.simulation.world import Fate, World
from tests.simulation.conftest import line_scenario, make_ticket

GEN = (Skill.general,)


def run(sc, tickets) -> World:
    world = World(sc, tickets, seed=1)
    world.run(NearestPolicy())
    return world


def test_the_nearest_free_technician_gets_the_ticket() -> None:
    """Two free generalists, 0 km and 4 km from a ticket at 3 km: the one at 4 km is nearer."""
    sc = line_scenario([("far", GEN, 0.0), ("near", GEN, 4.0)])
    world = run(sc, [make_ticket(sc, 1, 10, 3.0)])
    assert world.outcomes[1].tech == 1
    assert world.outcomes[1].fate is Fate.completed


def test_a_nearer_technician_without_the_skill_is_passed_over() -> None:
    """A plumbing ticket goes to the plumber 5 km away, not the electrician on the spot."""
    sc = line_scenario([("sparky", (Skill.electrician,), 1.0), ("plumber", (Skill.plumber,), 5.0)])
    world = run(sc, [make_ticket(sc, 1, 10, 1.0, category=Category.water)])
    assert world.outcomes[1].tech == 1


def test_busy_technicians_queue_work_and_take_emergencies_first() -> None:
    """One technician on a 2 h job; a routine then an emergency arrive: the emergency is next."""
    sc = line_scenario([("only", (Skill.general, Skill.electrician), 0.0)])
    tickets = [make_ticket(sc, 1, 0, 0.0, service_min=120),
               make_ticket(sc, 2, 10, 1.0),
               make_ticket(sc, 3, 20, 2.0, urgency=Urgency.emergency, category=Category.electric)]
    world = run(sc, tickets)
    o = world.outcomes
    assert o[1].completed_at <= o[3].set_off_at <= o[2].set_off_at
    assert o[3].set_off_at == o[1].completed_at  # he takes the queue head when he finishes
    assert all(x.fate is Fate.completed for x in o.values())


def test_the_oldest_queued_ticket_comes_first_among_equals() -> None:
    """Two routine tickets queue behind a long job; the first reported is served first."""
    sc = line_scenario([("only", GEN, 0.0)])
    tickets = [make_ticket(sc, 1, 0, 0.0, service_min=90), make_ticket(sc, 2, 5, 5.0),
               make_ticket(sc, 3, 6, 0.5)]
    world = run(sc, tickets)
    assert world.outcomes[2].set_off_at < world.outcomes[3].set_off_at
