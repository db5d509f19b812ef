"""Snapshots of the stored state: who the planner sees, and with which shift end."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
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


def test_a_technician_starting_soon_is_planned_from_his_shift_start(
        engine: Engine, clock: ManualClock) -> None:
    """At 09:00, Li (12-21) starts in 3 h: in the snapshot, free from then; Zhao (14-23)
    starts in 5 h, beyond the 4-hour look-ahead: not yet."""
    engine.settings = engine.settings.model_copy(update={"plan_shift_ahead_min": 240})
    li = engine.create_technician(tech("Li", shift=(12, 21)))
    engine.create_technician(tech("Zhao", shift=(14, 23)))
    (seen,) = _snapshot(engine).techs
    assert seen.id == str(li.id)
    assert seen.available_at == 3 * 3600 and seen.shift_end == 12 * 3600


def test_routine_work_waits_for_the_local_shift_but_an_emergency_does_not(
        engine: Engine, clock: ManualClock) -> None:
    """Wang is on shift 4 km away; Li starts in an hour next to a dripping tap: the tap is
    Li's, first thing in his shift. A burst pipe at the same place goes to Wang now."""
    engine.settings = engine.settings.model_copy(update={"plan_shift_ahead_min": 240})
    _at(clock, 11)
    wang = engine.create_technician(tech("Wang", at=north(4)))
    li = engine.create_technician(tech("Li", shift=(12, 21)))
    tap = engine.create_ticket(ticket(at=north(0.1)))
    engine.replan_now()
    read = engine.get_ticket(tap.id)
    assert read.assignment.technician_id == li.id
    assert read.assignment.eta >= clock.now() + timedelta(hours=1)
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.general, at=north(0.1)))
    engine.replan_now()
    assert engine.get_ticket(burst.id).assignment.technician_id == wang.id


def test_by_default_only_the_technicians_on_shift_are_planned(engine: Engine) -> None:
    engine.create_technician(tech("Li", shift=(12, 21)))
    assert _snapshot(engine).techs == ()


def test_an_emergency_is_planned_a_share_of_its_allowance_early(engine: Engine) -> None:
    """A burst pipe must be reached in 30 min: planned for 24 (20 % early); a fire alarm's
    10 min become 8; routine work keeps its deadline; 0 % plans on the deadline itself."""
    engine.create_technician(tech("Wang", (Skill.plumber, Skill.fire, Skill.general)))
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.water))
    alarm = engine.create_ticket(ticket(Urgency.emergency, Category.fire))
    tap = engine.create_ticket(ticket(Urgency.routine, Category.general))
    dues = {j.id: j.due for j in _snapshot(engine).jobs}
    assert dues[str(burst.id)] == 24 * 60 and dues[str(alarm.id)] == 8 * 60
    read = engine.get_ticket(tap.id)
    assert dues[str(tap.id)] == (read.resolve_by - engine.clock.now()).total_seconds() \
        - read.service_minutes * 60
    engine.settings = engine.settings.model_copy(update={"emergency_arrive_margin_pct": 0})
    assert {j.id: j.due for j in _snapshot(engine).jobs}[str(burst.id)] == 30 * 60
