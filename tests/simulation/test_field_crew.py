"""The demo's simulated technicians (`FieldTeam`) work a two-person job: the partner acts as
himself, and the work is done only once both are on site."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.simulation.field import FieldTeam
from tests import builders


def test_a_fire_alarm_is_completed_after_both_members_checked_in(
        engine: Engine, clock: ManualClock) -> None:
    """Fang (fire) is 200 m from a fire alarm, Gao (general) 2 km: Fang is there minutes
    before Gao and waits; the work (45 min planned, at least 36 actual) starts when Gao
    arrives, and the ticket is completed once, after both check-ins."""
    fang = engine.create_technician(builders.tech("Fang", skills=(Skill.fire,),
                                                  at=builders.north(0.2)))
    gao = engine.create_technician(builders.tech("Gao", skills=(Skill.general,),
                                                 at=builders.north(2.0)))
    tid = engine.create_ticket(builders.ticket(Urgency.emergency, Category.fire)).id
    engine.replan_now()
    assert [(m.member, m.technician_id) for m in engine.get_ticket(tid).crew] == [
        (1, fang.id), (2, gao.id)]
    team = FieldTeam(engine, seed=1)
    for _ in range(240):  # two hours in 30 s steps, re-planning as the server would
        team.step()
        engine.replan_now()
        if engine.get_ticket(tid).status is Status.completed:
            break
        clock.advance(timedelta(seconds=30))
    done = engine.get_ticket(tid)
    assert done.status is Status.completed
    lead, partner = done.crew
    assert lead.on_site_at is not None and partner.on_site_at is not None
    assert lead.on_site_at < partner.on_site_at  # Fang was nearer, and waited for Gao
    assert done.completed_at >= partner.on_site_at + timedelta(minutes=0.8 * 45)
    assert done.checkin_inside and engine.get_technician(gao.id).position.lat == done.lat
    assert engine.get_technician(gao.id).ticket_id is None  # free again for the next plan
