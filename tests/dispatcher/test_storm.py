"""A storm of tickets (a building's water main, a power cut): new work is inserted into the
current routes before any search, so a re-plan that runs out of time still places it; what
stays unassigned has its true reason; an emergency no plan can place alerts at once."""

from __future__ import annotations

import dataclasses
from datetime import time

from dispatcher.alerts.models import AlertKind, AlertState
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Urgency
from dispatcher.technicians.schemas import Position, Shift, TechnicianCreate
from optimizer.regions import fill
from tests import builders

ALL_DAY = Shift(start=time(0, 0), end=time(23, 59))


def _team(engine: Engine, n: int, skills: tuple[Skill, ...], plumbers: int | None = None,
          shift: Shift = ALL_DAY) -> None:
    """`n` technicians on a grid; the first `plumbers` of them plumbers, the rest
    electricians (all of them `skills` when `plumbers` is None)."""
    for k in range(n):
        at = builders.north(0.5 * (k % 5), 0.5 * (k // 5))
        own = skills if plumbers is None else (
            (Skill.plumber, Skill.general) if k < plumbers else (Skill.electrician, Skill.general))
        engine.create_technician(TechnicianCreate(
            name=f"P{k}", skills=list(own), shift=shift, home=Position(lat=at[0], lon=at[1])))


def _burst(engine: Engine, n: int, emergencies: int = 0,
           categories: tuple[Category, ...] = (Category.water,)) -> list[int]:
    """`n` tickets around the grid, every `emergencies`-th an emergency (none when 0), with
    their categories' service times."""
    return [engine.create_ticket(builders.ticket(
        Urgency.emergency if emergencies and k % emergencies == 0 else Urgency.routine,
        categories[k % len(categories)], at=builders.north(0.1 * (k % 30), 0.07 * (k % 11))
        )).id for k in range(n)]


def test_a_storm_after_a_planner_restart_is_placed_before_the_search_runs_out(
        engine: Engine, clock: ManualClock) -> None:
    """20 technicians (13 plumbers, shifts to 22:00), 300 tickets of which 100 emergencies,
    arriving at a planner just restarted (no quick insertion placed them) with a 1 s budget:
    no emergency is left out, and nothing left out would fit anywhere (the search ran out of
    time, the insertion after it did not)."""
    _team(engine, 20, (), plumbers=13, shift=Shift(start=time(8), end=time(22)))
    _burst(engine, 1)
    engine.replan_now()
    restarted = Engine(engine.settings, clock=clock, sessions=engine.sessions)
    restarted.params = dataclasses.replace(engine.params, time_budget_ms=1000)
    storm = _burst(restarted, 300, emergencies=3,
                   categories=(Category.water, Category.electric, Category.general))
    plan = restarted.replan_now("storm")
    placed = {s["ticket_id"] for r in plan.routes for s in r["stops"]}
    left = {u["ticket_id"] for u in plan.unassigned}
    assert set(storm) <= placed | left
    assert not left & set(storm[::3]), "an emergency was left out"
    built, solved = restarted.planning._latest["default"]
    assert fill(built.snapshot, restarted.params, solved) is solved  # nothing more fits


def test_capacity_is_said_only_when_no_qualified_technician_has_the_time(
        engine: Engine) -> None:
    """One plumber, far more work than his shift holds: the overflow is 'capacity', and
    every ticket that fits is on his route."""
    _team(engine, 1, (Skill.plumber,))
    engine.replan_now()
    _burst(engine, 80)
    plan = engine.replan_now("storm")
    reasons = {u["reason"] for u in plan.unassigned}
    assert plan.unassigned and reasons == {"qualified technicians are fully booked (capacity)"}
    [route] = plan.routes
    assert len(route["stops"]) + len(plan.unassigned) == 80


def test_an_emergency_no_plan_can_place_alerts_at_once(engine: Engine) -> None:
    """No plumber on shift: the burst pipe is unassigned with its reason, and the dispatcher
    is told straight away, not after the 10 minutes other tickets wait."""
    _team(engine, 1, (Skill.electrician,))
    [pipe] = _burst(engine, 1, emergencies=1)
    engine.replan_now()
    alerts = [a for a in engine.list_alerts(AlertState.open)
              if a.kind is AlertKind.unassigned and a.ticket_id == pipe]
    assert len(alerts) == 1 and "emergency no plan can place" in alerts[0].message
