"""Preventive maintenance: plans, generation ahead of time, a simulated year, plans files."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict, Invalid
from dispatcher.events.models import Event
from dispatcher.maintenance.plans_file import PlanFileError, parse
from dispatcher.maintenance.schemas import PlanCreate, PlanUpdate
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import StatusChange, TicketRead
from tests import builders
from tests.conftest import SHANGHAI

STEPS = (Status.assigned, Status.accepted, Status.en_route, Status.on_site)


def _asset(engine: Engine, kind: AssetKind = AssetKind.elevator, name: str = "1号梯") -> int:
    lat, lon = builders.ORIGIN
    return engine.create_asset(AssetCreate(kind=kind, name=name, site_id="lvjing",
                                           building="3", lat=lat, lon=lon)).id


def _open_plan_tickets(engine: Engine) -> list[TicketRead]:
    return [t for t in engine.list_tickets() if t.preventive
            and t.status not in (Status.completed, Status.closed, Status.cancelled)]


def _finish(engine: Engine, ticket_id: int, at: datetime) -> TicketRead:
    """Play the planner (assign) and the technician (report up to completed) at `at`."""
    with engine.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        ticket.status = Status.assigned
        s.commit()
    read = None
    for status in (*STEPS[1:], Status.completed):
        read = engine.report_status(ticket_id, StatusChange(status=status, at=at))
    assert read is not None
    return read


def test_defaults_come_from_the_kind(engine: Engine, clock: ManualClock) -> None:
    """An elevator plan: every 15 days ± 2, first due one cadence from now."""
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine)))
    assert (plan.kind, plan.cadence_days, plan.tolerance_days) == ("elevator", 15, 2)
    assert plan.next_due == clock.now() + timedelta(days=15)


def test_a_plan_generates_one_scheduled_ticket_ahead_of_its_window(
        engine: Engine, clock: ManualClock) -> None:
    """Generated 3 days before the window opens, once however often the clock ticks; the
    window is due ± tolerance, the SLA deadline its end."""
    due = clock.now() + timedelta(days=10)
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine), first_due=due))
    clock.advance(timedelta(days=4, hours=23))  # window opens at due-2d, horizon 3d
    engine.tick()
    assert _open_plan_tickets(engine) == []
    clock.advance(timedelta(hours=1))
    engine.tick()
    engine.tick()
    (ticket,) = _open_plan_tickets(engine)
    assert ticket.urgency is Urgency.scheduled and ticket.maintenance_plan_id == plan.id
    assert ticket.window.start == due - timedelta(days=2)
    assert ticket.window.end == due + timedelta(days=2)
    assert ticket.arrive_by == ticket.window.end
    assert ticket.resolve_by is None or ticket.resolve_by >= ticket.window.end
    assert ticket.maintenance_due == due


def test_a_cancelled_visit_is_skipped(engine: Engine, clock: ManualClock) -> None:
    due = clock.now() + timedelta(days=1)
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine), first_due=due))
    engine.tick()
    (ticket,) = _open_plan_tickets(engine)
    engine.cancel_ticket(ticket.id)
    clock.advance(timedelta(days=11))
    engine.tick()
    (following,) = _open_plan_tickets(engine)
    assert following.maintenance_due == due + timedelta(days=15)
    assert engine.get_plan(plan.id).next_due == following.maintenance_due


def test_a_late_visit_re_anchors_the_calendar(engine: Engine, clock: ManualClock) -> None:
    """Done inside the window: next due = due + cadence; done after it: completion + cadence."""
    due = clock.now() + timedelta(days=1)
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine), first_due=due))
    engine.tick()
    (ticket,) = _open_plan_tickets(engine)
    late = due + timedelta(days=4)
    clock.set(late)
    _finish(engine, ticket.id, late)
    assert engine.get_plan(plan.id).next_due == late + timedelta(days=15)
    assert engine.get_ticket(ticket.id).status is Status.closed
    with engine.sessions() as s:  # closed at once, no follow-up, and the record says why
        closed = s.scalars(select(Event).where(Event.type == "ticket.closed")).one()
    assert closed.payload == {"ticket_id": ticket.id, "region": ticket.region,
                              "why": "preventive maintenance done"}


def test_every_elevator_gets_24_or_25_visits_a_year_each_on_time(
        engine: Engine, clock: ManualClock) -> None:
    """A simulated year, ticking daily; each generated visit is done on a random day of its
    window (seeded). Every elevator: 24–25 visits, all inside due ± tolerance, and never two
    open tickets for one plan."""
    rng = random.Random(6)
    start = clock.now()
    elevators = [_asset(engine, name=f"{b}号楼梯") for b in (1, 2, 3)]
    for i, asset in enumerate(elevators):
        engine.create_plan(PlanCreate(asset_id=asset, first_due=start + timedelta(days=2 + i)))
    planned_on: dict[int, datetime] = {}
    end = start + timedelta(days=365)
    while clock.now() < end:
        engine.tick()
        for t in _open_plan_tickets(engine):
            assert t.window is not None
            day = planned_on.setdefault(
                t.id, t.window.start + timedelta(days=rng.randint(0, 3), hours=2))
            if clock.now() >= day:
                _finish(engine, t.id, clock.now())
        clock.advance(timedelta(days=1))
    with engine.sessions() as s:
        done = list(s.scalars(select(Ticket).where(Ticket.status == Status.closed,
                                                   Ticket.maintenance_plan_id.is_not(None))))
    for asset in elevators:
        visits = [t for t in done if t.asset_id == asset]
        assert 24 <= len(visits) <= 25, (asset, len(visits))
        for t in visits:
            assert t.window_start <= t.completed_at <= t.window_end
        per_plan = {t.maintenance_due for t in visits}
        assert len(per_plan) == len(visits)


def test_update_and_delete(engine: Engine) -> None:
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine)))
    assert engine.update_plan(plan.id, PlanUpdate(cadence_days=14)).cadence_days == 14
    with pytest.raises(Invalid, match="tolerance_days"):
        engine.update_plan(plan.id, PlanUpdate(tolerance_days=7))
    engine.delete_plan(plan.id)
    assert engine.list_plans() == []


def test_a_plan_with_tickets_cannot_be_deleted(engine: Engine, clock: ManualClock) -> None:
    plan = engine.create_plan(PlanCreate(asset_id=_asset(engine),
                                         first_due=clock.now() + timedelta(days=1)))
    engine.tick()
    with pytest.raises(Conflict, match="active=false"):
        engine.delete_plan(plan.id)


def test_importing_a_plans_file_creates_then_updates(engine: Engine) -> None:
    """Selecting by asset kind creates one plan per asset; a second import updates them."""
    lights = [_asset(engine, AssetKind.street_light, f"路灯{i}") for i in range(3)]
    text = ('[kind.street_light]\ntolerance_days = 3\n\n'
            '[[plan]]\nasset_kind = "street_light"\nsite_id = "lvjing"\n'
            'first_due = 2026-12-01\n')
    first = engine.import_plans(text)
    assert len(first.created) == 3 and first.updated == []
    plans = engine.list_plans()
    assert sorted(p.asset_id for p in plans) == lights
    assert {(p.cadence_days, p.tolerance_days) for p in plans} == {(30, 3)}
    assert plans[0].next_due == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    again = engine.import_plans(text.replace("2026-12-01", "2026-12-02"))
    assert again.created == [] and sorted(again.updated) == sorted(first.created)


@pytest.mark.parametrize(("text", "message"), [
    ('[[plan]]\nasset_id = 1\ncadence_days = -3\n', "plans.toml:3: plan[0].cadence_days"),
    ('[[plan]]\nasset_id = 1\n\n[[plan]]\nasset_id = 1\ncolour = "red"\n',
     "plans.toml:6: plan[1].colour: unknown key"),
    ('[[plan]]\nasset_kind = "spaceship"\n', "plan[0].asset_kind: 'spaceship' is not one of"),
    ('[[plan]]\nasset_id = 1\nasset_kind = "elevator"\n', "exactly one of asset_id"),
    ('[kind.sauna]\ncadence_days = 30\n', "plans.toml:1: kind.sauna: missing"),
    ('[[plan]\n', "plans.toml: "),
    ('[[plan]]\nasset_id = 1\nfirst_due = "soon"\n', "plan[0].first_due must be a date"),
    ('[[plan]]\nasset_id = 1\nchecklist = [{ key = "p", label = "压力", kind = "reading" }]\n',
     "plans.toml:3: plan[0].checklist[0]: Value error, item 'p': a reading needs min, max"),
    ('[kind.elevator]\nchecklist = [{ key = "a", label = "x" }, { key = "a", label = "y" }]\n',
     "plans.toml:1: kind.elevator.checklist: checklist key 'a' appears twice"),
    ('[[plan]]\nasset_id = 1\nchecklist = [{ key = "a", lable = "x" }]\n',
     "plan[0].checklist[0].label: Field required"),
])
def test_plans_file_errors_name_the_key_and_line(text: str, message: str) -> None:
    with pytest.raises(PlanFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(text, where="plans.toml", tz=SHANGHAI)


def test_a_plans_file_sets_a_kinds_checklist_and_a_plan_its_own(engine: Engine) -> None:
    """A kind's checklist in the file replaces the packaged one for its plans; a plan's own
    checklist wins over both; a kind table that leaves it out keeps the packaged one."""
    lights = [_asset(engine, AssetKind.street_light, f"路灯{i}") for i in range(2)]
    lift = _asset(engine, AssetKind.elevator, "1号梯")
    text = ('[kind.street_light]\nchecklist = [{ key = "lit", label = "亮灯" }]\n\n'
            '[kind.elevator]\ntolerance_days = 3\n\n'
            f'[[plan]]\nasset_id = {lights[0]}\n\n'
            f'[[plan]]\nasset_id = {lights[1]}\n'
            'checklist = [{ key = "volts", label = "电压", kind = "reading", unit = "V", '
            'min = 210, max = 235 }]\n\n'
            f'[[plan]]\nasset_id = {lift}\n')
    engine.import_plans(text)
    by_asset = {p.asset_id: [i.key for i in p.checklist] for p in engine.list_plans()}
    assert by_asset[lights[0]] == ["lit"] and by_asset[lights[1]] == ["volts"]
    assert by_asset[lift][0] == "machine_room_temp" and len(by_asset[lift]) == 5


def test_a_plans_file_without_a_name_is_called_plans_toml(engine: Engine) -> None:
    """Text sent without a file name (the API's body) is named as the usual file."""
    with pytest.raises(PlanFileError) as caught:
        engine.import_plans('[kind.sauna]\ncadence_days = 30\n')
    assert str(caught.value).startswith("plans.toml:1: kind.sauna: missing")


def test_a_visit_made_days_ahead_waits_quietly_then_is_planned(
        engine: Engine, clock: ManualClock) -> None:
    """Generated 3 days before its window: kept off the routes with the reason, no
    'unassigned' alert; once the window is open a technician gets it inside it."""
    from dispatcher.alerts.models import AlertKind
    from dispatcher.enums import Skill
    engine.create_technician(builders.tech("Chen", (Skill.elevator,), shift=(0, 0)))
    due = clock.now() + timedelta(days=5)
    engine.create_plan(PlanCreate(asset_id=_asset(engine), first_due=due))
    engine.tick()
    (ticket,) = _open_plan_tickets(engine)
    engine.replan_now()
    clock.advance(timedelta(hours=1))
    engine.tick()
    read = engine.get_ticket(ticket.id)
    assert read.assignment.technician_id is None
    assert "window opens" in read.assignment.unassigned_reason
    assert not [a for a in engine.list_alerts() if a.kind is AlertKind.unassigned]
    clock.set(ticket.window.start + timedelta(hours=1))
    engine.replan_now()
    read = engine.get_ticket(ticket.id)
    assert read.assignment.technician_id is not None
    assert ticket.window.start <= read.assignment.eta <= ticket.window.end


def test_generate_maintenance_answers_the_tickets_it_made(engine: Engine,
                                                          clock: ManualClock) -> None:
    """The demo calls it directly (issue 18: no test did): the ids it returns are the tickets
    it created, and a second call makes none."""
    due = clock.now() + timedelta(days=10)
    engine.create_plan(PlanCreate(asset_id=_asset(engine), first_due=due))
    assert engine.generate_maintenance() == []
    clock.advance(timedelta(days=5))  # the window opens at due - 2 d, horizon 3 d
    made = engine.generate_maintenance()
    assert made == [t.id for t in _open_plan_tickets(engine)] and len(made) == 1
    assert engine.generate_maintenance() == []
