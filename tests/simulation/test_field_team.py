"""The demo's simulated technicians (`FieldTeam`) work through the app's verbs, so a job they
finish gets its follow-up like one finished on a phone."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Status
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
