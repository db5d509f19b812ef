"""The demo's simulated technicians (`FieldTeam`) work through the app's verbs, so a job they
finish gets its follow-up like one finished on a phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Skill, Status
from dispatcher.maintenance.schemas import PlanCreate
from dispatcher.simulation.field import FieldTeam
from tests import builders


def test_a_simulated_technician_checks_in_completes_and_the_follow_up_opens(
        engine: Engine, clock: ManualClock) -> None:
    wang = engine.create_technician(builders.tech("Wang"))
    tid = engine.create_ticket(builders.ticket(at=builders.north(0.5))).id
    engine.replan_now()
    team = FieldTeam(engine, seed=1)
    for _ in range(240):  # two hours in 30 s steps, re-planning as the server would
        team.step()
        engine.replan_now()
        if engine.get_ticket(tid).status is Status.completed:
            break
        clock.advance(timedelta(seconds=30))
    done = engine.get_ticket(tid)
    assert done.status is Status.completed and done.fixed_first_time is True
    assert (done.checkin_inside, done.assignment.technician_id) == (True, wang.id)
    assert engine.get_followup(tid).state.value == "pending"


def test_a_simulated_technician_answers_the_round_before_completing_it(
        engine: Engine, clock: ManualClock, tmp_path: Path) -> None:
    """A pump room's plan falls due; the simulated technician answers every item of its
    checklist (the photos it asks for included) and completes it. With every answer a fault
    (FAULT_SHARE 1), each item opens a repair linked to the round."""
    engine.settings = engine.settings.model_copy(update={"photo_dir": tmp_path})
    engine.create_technician(builders.tech("Wang", skills=(Skill.plumber, Skill.general)))
    asset = engine.create_asset(AssetCreate(kind=AssetKind.pump_room, name="2号泵房",
                                            lat=builders.ORIGIN[0], lon=builders.ORIGIN[1]))
    engine.create_plan(PlanCreate(asset_id=asset.id, first_due=clock.now() + timedelta(hours=1)))
    engine.tick()
    (tid,) = [t.id for t in engine.list_tickets() if t.preventive]
    engine.replan_now()
    team = FieldTeam(engine, seed=1)
    with patch("dispatcher.simulation.field.FAULT_SHARE", 1.0):
        for _ in range(480):
            team.step()
            engine.replan_now()
            if engine.get_ticket(tid).status in (Status.completed, Status.closed):
                break
            clock.advance(timedelta(seconds=30))
    round_ = engine.inspections.read(tid)
    assert round_.missing == [] and len(round_.faults) == len(round_.items) == 4
    assert all(item.answer and item.answer.abnormal for item in round_.items)
    assert engine.get_ticket(tid).status in (Status.completed, Status.closed)
    repairs = [engine.get_ticket(f) for f in round_.faults]
    assert all(r.follow_up_of == tid and r.asset_id == asset.id for r in repairs)
