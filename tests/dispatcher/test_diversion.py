"""Turning a technician round for an emergency: when the planner does it, and when not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.events.models import Event
from dispatcher.technicians.schemas import PositionUpdate
from dispatcher.tickets.schemas import StatusChange
from tests.builders import ORIGIN, north, tech, ticket


def on_his_way(engine: Engine, clock: ManualClock, *, far_km: float) -> tuple[int, int, int]:
    """Wang (plumber, at the origin) drives to a routine leak 3 km south; Li, the only other
    plumber, waits `far_km` north. Returns (wang, li, the routine ticket)."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,)))
    li = engine.create_technician(tech("Li", (Skill.plumber,), at=north(far_km)))
    leak = engine.create_ticket(ticket(category=Category.water, at=north(-3)))
    engine.replan_now()
    assert engine.get_ticket(leak.id).assignment.technician_id == wang.id
    for status in (Status.accepted, Status.en_route):
        engine.report_status(leak.id, StatusChange(status=status))
    clock.advance(timedelta(minutes=1))
    engine.update_position(wang.id, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    return wang.id, li.id, leak.id


def diverted(engine: Engine) -> list[dict]:
    with engine.sessions() as s:
        return [e.payload for e in s.query(Event).filter(Event.type == "ticket.diverted")]


def burst_pipe_goes_first_to(engine: Engine, wang: int) -> object:
    """A burst pipe 1 km north, re-planned: Wang's first stop, on time, pinned there by the
    planner (the next plan cannot send him back to what he left). Returns it."""
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    read = engine.get_ticket(burst.id)
    assert read.assignment.technician_id == wang
    assert read.assignment.predicted_late_minutes == 0
    plan = engine.current_plan()
    first = next(r["stops"][0]["ticket_id"] for r in plan.routes if r["technician_id"] == wang)
    assert first == burst.id
    [pin] = [o for o in engine.list_overrides() if o.ticket_id == burst.id]
    assert (pin.technician_id, pin.position, pin.created_by, pin.reason) \
        == (wang, 0, "planner", "emergency")
    return burst


def test_the_one_who_can_make_it_turns_round(engine: Engine, clock: ManualClock) -> None:
    """A burst pipe 1 km north: Li is 12 km away (47 min), Wang 4 min: Wang turns round, his
    leak goes back to the pool, the burst pipe is first on his route and on time."""
    wang, _, leak = on_his_way(engine, clock, far_km=12)
    burst = burst_pipe_goes_first_to(engine, wang)
    assert engine.get_ticket(leak).status in (Status.new, Status.assigned)
    [event] = diverted(engine)
    assert event["ticket_id"] == leak and event["technician_id"] == wang
    assert event["emergency_id"] == burst.id and event["gain_minutes"] >= 5


def test_no_turn_round_when_someone_free_is_in_time(engine: Engine,
                                                     clock: ManualClock) -> None:
    wang, li, leak = on_his_way(engine, clock, far_km=2)
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1.5)))
    engine.replan_now()
    assert engine.get_ticket(burst.id).assignment.technician_id == li
    assert engine.get_ticket(leak).status is Status.en_route
    assert diverted(engine) == []


def test_a_locked_route_is_never_turned_round(engine: Engine, clock: ManualClock) -> None:
    wang, _, leak = on_his_way(engine, clock, far_km=12)
    engine.lock_route(wang, minutes=60, by="dispatcher", reason="other")
    engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(leak).status is Status.en_route
    assert diverted(engine) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_switched_off_with_a_zero_gain(engine: Engine, clock: ManualClock) -> None:
    engine.settings = replace_settings(engine, emergency_divert_gain_min=0)
    _, _, leak = on_his_way(engine, clock, far_km=12)
    engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(leak).status is Status.en_route
    assert diverted(engine) == []


def replace_settings(engine: Engine, **changes: object):
    return engine.settings.model_copy(update=changes)


def test_an_emergency_is_not_abandoned_for_another(engine: Engine, clock: ManualClock) -> None:
    """Wang is on his way to an emergency: a second one waits for Li, however late."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,)))
    engine.create_technician(tech("Li", (Skill.plumber,), at=north(12)))
    first = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(-3)))
    engine.replan_now()
    for status in (Status.accepted, Status.en_route):
        engine.report_status(first.id, StatusChange(status=status))
    engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(first.id).status is Status.en_route
    assert engine.get_ticket(first.id).assignment.technician_id == wang.id
    assert diverted(engine) == []




def at_work(engine: Engine, clock: ManualClock, *, job: dict | None = None,
            urgency: Urgency = Urgency.routine, pin: bool = False) -> tuple[int, int, int]:
    """Wang (plumber) has been at work on a leak at the origin for 10 minutes (sent by the
    plan, or by a dispatcher's `pin`); Li, the only other plumber, is 12 km away (47 min).
    Returns (wang, li, the ticket in hand)."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,)))
    li = engine.create_technician(tech("Li", (Skill.plumber,), at=north(12)))
    leak = engine.create_ticket(ticket(urgency, Category.water, at=ORIGIN, **(job or {})))
    if pin:
        engine.pin(leak.id, wang.id, by="disp")
    engine.replan_now()
    assert engine.get_ticket(leak.id).assignment.technician_id == wang.id
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(leak.id, StatusChange(status=status))
    clock.advance(timedelta(minutes=10))
    return wang.id, li.id, leak.id


def interrupted(engine: Engine) -> list[dict]:
    with engine.sessions() as s:
        return [e.payload for e in s.query(Event).filter(Event.type == "ticket.interrupted")]


def test_called_away_from_routine_work_for_an_emergency(engine: Engine,
                                                         clock: ManualClock) -> None:
    """A burst pipe 1 km north while Wang fixes a dripping tap (an hour's work) and Li is
    47 minutes away: Wang leaves the tap, the burst pipe is first on his route and on time,
    the tap goes back to the pool with its first arrival kept."""
    wang, _, leak = at_work(engine, clock, job={"service_minutes": 60})
    first_arrival = engine.get_ticket(leak).on_site_at
    burst = burst_pipe_goes_first_to(engine, wang)
    tap = engine.get_ticket(leak)
    assert tap.status in (Status.new, Status.assigned) and tap.on_site_at == first_arrival
    [event] = interrupted(engine)
    assert event["ticket_id"] == leak and event["technician_id"] == wang
    assert event["emergency_id"] == burst.id and event["worked_minutes"] == 10
    assert diverted(engine) == []


def booked(clock: ManualClock) -> dict:
    """An appliance repair booked for the two hours from now (an hour's work)."""
    now = clock.now()
    return {"window": (now, now + timedelta(hours=2)), "service_minutes": 60}


def test_called_away_from_an_appointment_keeps_its_arrival(engine: Engine,
                                                            clock: ManualClock) -> None:
    """With nobody else near, Wang leaves a booked repair for the burst pipe. The resident was
    seen inside the window: that arrival stays recorded, the rest of the job is planned again
    once the window has passed (not dropped as unreachable), and going back starts a new stint
    of work without moving the arrival."""
    wang, _, repair = at_work(engine, clock, job=booked(clock), urgency=Urgency.scheduled)
    first_arrival = engine.get_ticket(repair).on_site_at
    burst = burst_pipe_goes_first_to(engine, wang)
    [event] = interrupted(engine)
    assert event["ticket_id"] == repair and event["worked_minutes"] == 10
    for status in (Status.accepted, Status.en_route, Status.on_site, Status.completed):
        engine.report_status(burst.id, StatusChange(status=status))
    clock.advance(timedelta(hours=3))  # the booked window is over
    engine.replan_now()
    back = engine.get_ticket(repair)
    assert back.assignment.technician_id is not None, back.assignment.unassigned_reason
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(repair, StatusChange(status=status))
    back = engine.get_ticket(repair)
    assert back.on_site_at == first_arrival and back.work_started_at == clock.now()


def test_routine_work_is_left_before_an_appointment(engine: Engine, clock: ManualClock) -> None:
    """Wang at a dripping tap and Zhang at a booked repair, side by side, both 4 min from the
    burst pipe: Wang goes (Zhang would win the last tie-break, by id)."""
    wang, _, tap = at_work(engine, clock, job={"service_minutes": 60})
    zhang = engine.create_technician(tech("Zhang", (Skill.plumber,)))
    repair = engine.create_ticket(ticket(Urgency.scheduled, Category.water, at=ORIGIN,
                                         **booked(clock)))
    engine.replan_now()
    assert engine.get_ticket(repair.id).assignment.technician_id == zhang.id
    for status in (Status.accepted, Status.en_route, Status.on_site):
        engine.report_status(repair.id, StatusChange(status=status))
    burst_pipe_goes_first_to(engine, wang)
    assert [e["ticket_id"] for e in interrupted(engine)] == [tap]
    assert engine.get_ticket(repair.id).status is Status.on_site


@pytest.mark.parametrize("urgency, job, pin", [
    (Urgency.emergency, {}, False),  # another emergency is never left
    (Urgency.routine, {"service_minutes": 60}, True),  # a dispatcher sent him there
])
def test_no_call_away_from_an_emergency_or_a_pin(
        engine: Engine, clock: ManualClock, urgency: Urgency, job: dict, pin: bool) -> None:
    wang, li, leak = at_work(engine, clock, job=job, urgency=urgency, pin=pin)
    burst = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(leak).status is Status.on_site
    assert engine.get_ticket(burst.id).assignment.technician_id in (wang, li)
    assert interrupted(engine) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_call_away_from_an_appointment_when_switched_off(engine: Engine,
                                                            clock: ManualClock) -> None:
    engine.settings = replace_settings(engine, emergency_interrupt_appointments=False)
    _, _, repair = at_work(engine, clock, job=booked(clock), urgency=Urgency.scheduled)
    engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(repair).status is Status.on_site
    assert interrupted(engine) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_call_away_when_switched_off(engine: Engine, clock: ManualClock) -> None:
    engine.settings = replace_settings(engine, emergency_interrupt=False)
    _, _, leak = at_work(engine, clock, job={"service_minutes": 60})
    engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(1)))
    engine.replan_now()
    assert engine.get_ticket(leak).status is Status.on_site
    assert interrupted(engine) == []
