"""Two-person jobs in the simulated day: a fire alarm needs a fire-system technician and a
general one on site; the work starts when the last is there, and each policy sends both."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.simulation.history import _finish_in_hand
from dispatcher.simulation.policies.engine import EnginePolicy
from dispatcher.simulation.policies.hindsight import HindsightPolicy
from dispatcher.simulation.policies.nearest import NearestPolicy
from dispatcher.simulation.report import build_report
from dispatcher.simulation.world import Fate, Order, World
from tests.simulation.conftest import east, line_scenario, make_ticket

FIRE, GEN = (Skill.fire,), (Skill.general,)


def alarm_day(gao_km: float = 4.0) -> tuple[object, list]:
    """Fang (fire) at 0 km, Gao (general) at `gao_km`; a fire alarm at 0.5 km ten minutes in,
    30 minutes of work."""
    sc = line_scenario([("fang", FIRE, 0.0), ("gao", GEN, gao_km)], hours=1, drain=2)
    return sc, [make_ticket(sc, 1, 10, 0.5, urgency=Urgency.emergency,
                            category=Category.fire)]


def test_the_world_reads_the_crew_from_the_sla_policy() -> None:
    sc, tickets = alarm_day()
    world = World(sc, tickets + [make_ticket(sc, 2, 0, 1.0)], seed=1)
    assert world.crews == {1: (Skill.fire, Skill.general), 2: (Skill.general,)}


def test_nearest_sends_both_and_the_work_waits_for_the_last() -> None:
    """Both set off at the report; Gao, 3.5 km away, arrives past the 10-minute deadline;
    the work runs 30 minutes from his arrival, and the report's crew line says so."""
    sc, tickets = alarm_day()
    world = World(sc, tickets, seed=1)
    policy = NearestPolicy()
    world.run(policy)
    o, alarm = world.outcomes[1], tickets[0]
    assert (o.tech, o.partners[2].tech) == (0, 1) and o.fate is Fate.completed
    assert o.set_off_at == o.partners[2].set_off_at == alarm.reported_at
    fang, gao = o.on_site_at, o.partners[2].on_site_at
    assert gao - fang == timedelta(seconds=world.seconds(east(4.0), alarm.point)
                                   - world.seconds(east(0.0), alarm.point))
    assert o.work_from == gao and o.completed_at == gao + timedelta(minutes=30)
    report = build_report(world, policy)
    assert (report.crews, report.crews_on_time) == (1, 0)
    assert report.crew_gap_min == round((gao - fang).total_seconds() / 60, 1)
    assert report.utilisation_pct > 0 and world.techs[0].busy_s < world.techs[1].busy_s


def test_nearest_queues_the_partner_until_a_general_technician_is_free() -> None:
    """Gao is on a 60-minute job when the alarm comes: Fang goes at once and waits; Gao comes
    when he is done, ahead of a routine job reported before the alarm."""
    sc, tickets = alarm_day(gao_km=1.0)
    tickets = [make_ticket(sc, 1, 0, 1.0, service_min=60), make_ticket(sc, 2, 5, 2.0),
               *(make_ticket(sc, 3, 10, 0.5, urgency=Urgency.emergency,
                             category=Category.fire),)]
    world = World(sc, tickets, seed=1)
    world.run(NearestPolicy())
    first, routine, alarm = (world.outcomes[k] for k in (1, 2, 3))
    assert alarm.partners[2].set_off_at == first.completed_at < routine.set_off_at
    assert alarm.on_site_at < alarm.partners[2].on_site_at == alarm.work_from
    assert alarm.fate is routine.fate is Fate.completed


class _Kept(EnginePolicy):
    """The engine policy that reads the engine's ticket before the engine goes."""

    def close(self) -> None:
        self.final = self.engine.get_ticket(self.ticket_ids[1])
        super().close()


def test_the_engine_sends_the_partner_through_the_app_and_completes_once() -> None:
    """The engine's plan gives Gao member 2's stop; he sets off and checks in as himself, and
    the engine accepts the completion once both are on site."""
    sc, tickets = alarm_day(gao_km=1.0)
    world = World(sc, tickets, seed=1)
    policy = _Kept()
    world.run(policy)
    o = world.outcomes[1]
    assert (o.tech, o.partners[2].tech) == (0, 1) and o.fate is Fate.completed
    assert o.work_from == max(o.on_site_at, o.partners[2].on_site_at)
    final = policy.final
    assert final.status is Status.completed and final.completed_at == o.completed_at
    assert [s.on_site_at for s in final.crew] == [o.on_site_at, o.partners[2].on_site_at]
    assert [s.technician_id for s in final.crew] == [policy.tech_ids[0], policy.tech_ids[1]]
    report = build_report(world, policy)
    assert report.crews == report.completed == 1


def test_hindsight_plans_the_crew_as_one_visit() -> None:
    sc, tickets = alarm_day(gao_km=1.0)
    world = World(sc, tickets, seed=1)
    world.run(HindsightPolicy())
    o = world.outcomes[1]
    assert (o.tech, o.partners[2].tech) == (0, 1) and o.fate is Fate.completed


def test_vroom_sends_the_nearest_partner_with_the_ticket_s_own() -> None:
    pytest.importorskip("vroom")
    from dispatcher.simulation.policies.vroom import VroomPolicy

    sc, tickets = alarm_day()
    world = World(sc, tickets, seed=1)
    world.run(VroomPolicy())
    o = world.outcomes[1]
    assert (o.tech, o.partners[2].tech) == (0, 1) and o.fate is Fate.completed
    assert o.set_off_at == o.partners[2].set_off_at


class _Send:
    """A policy that sends one order once ticket 1 is reported, and nothing else."""

    name = "send"

    def __init__(self, order: Order) -> None:
        self.order, self.replan_ms, self.churn = [order], [], 0

    def bind(self, world: World) -> None:
        self.world = world

    def notify(self, *_: object) -> None:
        pass

    def decide(self) -> list[Order]:
        if not self.world.outcomes[1].reported:
            return []
        orders, self.order = self.order, []
        return orders

    def close(self) -> None:
        pass


def test_a_member_without_the_skill_is_refused() -> None:
    sc, tickets = alarm_day()
    with pytest.raises(RuntimeError, match="lacks general"):
        World(sc, tickets, seed=1).run(_Send(Order(0, 1, 2)))


def test_a_resident_cannot_cancel_once_a_partner_has_set_off() -> None:
    """Gao alone is sent; the cancellation a minute later is not taken, and he waits on site
    for a member 1 nobody sends: the work never starts."""
    sc, (alarm,) = alarm_day()
    alarm = replace(alarm, cancel_at=alarm.reported_at + timedelta(minutes=1))
    world = World(sc, [alarm], seed=1)
    world.run(_Send(Order(1, 1, 2)))
    o = world.outcomes[1]
    assert o.fate is Fate.open and o.partners[2].on_site_at and o.work_from is None
    assert world.needs(1) == [1]


class _Closing(EnginePolicy):
    """The engine policy that, as a history day does, finishes the work in hand at the end."""

    def close(self) -> None:
        _finish_in_hand(self.engine, self.world, self)  # type: ignore[arg-type]
        self.final = self.engine.get_ticket(self.ticket_ids[1])
        super().close()


def test_a_history_day_ends_with_the_crew_on_its_way_and_finishes_its_work() -> None:
    """The alarm comes two minutes before the day ends: Fang is there and waits, Gao is on
    his way. The day's end checks Gao in as himself, and the crew rule lets the completion
    through."""
    sc = line_scenario([("fang", FIRE, 0.0), ("gao", GEN, 4.0)], hours=1, drain=0)
    world = World(sc, [make_ticket(sc, 1, 58, 0.5, urgency=Urgency.emergency,
                                   category=Category.fire)], seed=1)
    policy = _Closing()
    world.run(policy)
    o = world.outcomes[1]
    assert o.fate is Fate.on_site and o.partners[2].on_site_at is None and o.work_from is None
    assert policy.final.status is Status.completed
    assert all(s.on_site_at is not None for s in policy.final.crew)
