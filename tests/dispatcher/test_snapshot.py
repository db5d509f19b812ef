"""Snapshots of the stored state: who the planner sees, and with which shift end."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.planning import snapshot as snapshots
from dispatcher.tickets.schemas import StatusChange
from tests.builders import north, tech, ticket
from tests.conftest import SHANGHAI


def _snapshot(engine: Engine):
    with engine.sessions() as s:
        return snapshots.build(s, now=engine.clock.now(), settings=engine.settings,
                               policy=engine.policy, travel=engine.travel)


def _at(clock: ManualClock, hour: int, minute: int = 0) -> None:
    clock.set(clock.now().astimezone(SHANGHAI).replace(hour=hour, minute=minute))


def test_bug_off_shift_technician_keeps_his_overtime_stops(engine: Engine,
                                                           clock: ManualClock) -> None:
    """Wang (08-17) is planned a ticket in overtime; at 17:10, his hand empty, the snapshot
    still has him, with a shift end 10 minutes ago, so the re-plan does not take it away."""
    _at(clock, 16, 50)
    wang = engine.create_technician(tech("Wang"))
    late = engine.create_ticket(ticket(at=north(1), service_minutes=60))
    engine.replan_now()
    assert engine.get_ticket(late.id).status is Status.assigned
    _at(clock, 17, 10)
    techs = {t.id: t for t in _snapshot(engine).techs}
    assert techs[str(wang.id)].shift_end == -600
    engine.replan_now()
    assert engine.get_ticket(late.id).assignment.technician_id == wang.id


def test_off_shift_technician_without_planned_work_is_left_out(engine: Engine,
                                                               clock: ManualClock) -> None:
    """At 17:10 a technician of 08-17 with nothing planned or in hand takes no new work."""
    engine.create_technician(tech("Wang"))
    _at(clock, 17, 10)
    engine.create_ticket(ticket(at=north(1)))
    assert _snapshot(engine).techs == ()


def test_off_shift_technician_past_his_overtime_cap_is_left_out(engine: Engine,
                                                                clock: ManualClock) -> None:
    """Planned work does not keep a technician whose overtime allowance (2 h) is used up."""
    _at(clock, 16, 50)
    engine.create_technician(tech("Wang"))
    engine.create_ticket(ticket(at=north(1)))
    engine.replan_now()
    _at(clock, 19, 5)
    assert _snapshot(engine).techs == ()


def test_off_shift_technician_on_site_counts_overtime_from_his_shift_end(
        engine: Engine, clock: ManualClock) -> None:
    """A technician still on site after his shift has the past shift end, not 'now'."""
    _at(clock, 16, 30)
    wang = engine.create_technician(tech("Wang"))
    job = engine.create_ticket(ticket(at=north(0.2), service_minutes=90))
    engine.replan_now()
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(job.id, StatusChange(status=status))
    clock.advance(timedelta(minutes=60))
    (seen,) = _snapshot(engine).techs
    assert seen.id == str(wang.id) and seen.shift_end == -1800
    assert seen.current_job == str(job.id)
