"""The demo compound seeds its equipment and a maintenance plan set, once."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.assets.models import AssetKind
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Skill, Status, Urgency
from dispatcher.simulation.compound import equipment, sunshine_garden
from dispatcher.simulation.demo import Demo
from dispatcher.tickets.schemas import StatusChange
from tests import builders


def test_every_kind_of_equipment_is_there() -> None:
    """Elevators only in buildings above 6 floors; one of each shared installation."""
    compound = sunshine_garden(7)
    assets = equipment(compound)
    kinds = {a.kind for a in assets}
    assert {AssetKind.elevator, AssetKind.street_light, AssetKind.stairwell_light,
            AssetKind.fire_system, AssetKind.water_tank, AssetKind.pump_room,
            AssetKind.fitness_equipment} <= kinds
    tall = {b.name for b in compound.buildings if b.floors > 6}
    assert {a.building for a in assets if a.kind is AssetKind.elevator} == tall


def test_the_demo_seeds_plans_and_the_first_visits(engine: Engine) -> None:
    """A plan per asset with its kind's cadence; the visits due soon are already tickets;
    seeding again adds nothing."""
    demo = Demo(engine, seed=7, opening_tickets=0)
    demo.seed()
    assets = engine.list_assets(site_id=demo.compound.site_id)
    plans = engine.list_plans(site_id=demo.compound.site_id)
    assert len(plans) == len(assets) == len(equipment(demo.compound))
    cadence = {p.kind: p.cadence_days for p in plans}
    assert (cadence["elevator"], cadence["pump_room"], cadence["water_tank"]) == (15, 7, 182)
    preventive = [t for t in engine.list_tickets() if t.preventive]
    assert preventive and all(t.urgency is Urgency.scheduled for t in preventive)
    demo.seed()
    assert len(engine.list_assets()) == len(assets)
    assert len([t for t in engine.list_tickets() if t.preventive]) == len(preventive)


def test_the_demo_devices_raise_alarms_and_the_false_ones_cancel_themselves(
        engine: Engine, clock: ManualClock) -> None:
    """A device on each elevator, the fire system and the pump room, installed once; over a
    simulated day their signed alarms open emergency tickets, and those cleared before anyone
    set off (nobody plans here) are cancelled with the reason."""
    demo = Demo(engine, seed=7, opening_tickets=0)
    demo.seed()
    demo.seed()
    kinds = [a.kind for a in engine.list_assets(site_id=demo.compound.site_id)]
    expected = kinds.count(AssetKind.elevator) + 2
    assert len(demo.alarms.devices) == len(engine.alarms.devices()) == expected
    for _ in range(24 * 12):
        clock.advance(timedelta(minutes=5))
        demo.alarms.step(clock.now())
    raised = [t for t in engine.list_tickets() if " alarm " in t.description]
    assert len(raised) >= 5 and all(t.urgency is Urgency.emergency for t in raised)
    cancelled = [t for t in raised if t.status is Status.cancelled]
    assert cancelled and len(cancelled) < len(raised)
    assert all("cleared alarm" in (t.resolution_notes or "") for t in cancelled)


def test_a_power_cut_in_the_demo_is_one_fault_reported_six_times(
        engine: Engine, clock: ManualClock) -> None:
    """Six emergencies from six floors of one building within ten minutes; reported in turn,
    the five after the first are proposed as its duplicates."""
    demo = Demo(engine, seed=7, opening_tickets=0)
    reports = demo.stream.outage(clock.now())
    assert len({r.unit for r in reports}) == len(reports) == 6
    assert len({r.building for r in reports}) == 1
    assert all(r.urgency is Urgency.emergency for r in reports)
    times = [r.reported_at for r in reports]
    assert times == sorted(times) and times[-1] - clock.now() <= timedelta(minutes=10)
    created = [engine.create_ticket(r) for r in reports]
    assert [t.duplicate_candidate for t in created] == [None] + [created[0].id] * 5


def test_demo_residents_report_in_the_app_rate_and_complain(
        engine: Engine, clock: ManualClock) -> None:
    """Half the non-emergency reports come through the resident's app (the unit's link);
    a repair done is rated in the app within two hours; complaints arrive now and then."""
    demo = Demo(engine, seed=7, opening_tickets=0)
    demo.seed()
    drawn = [demo.stream.draw(clock.now()) for _ in range(40)]
    in_app = [d for d in drawn if demo.residents.report(d)]
    assert 8 <= len(in_app) <= 32 and all(d.urgency.value != "emergency" for d in in_app)
    assert len(demo.residents.reported) == len(in_app)
    tid, (key, _) = next(iter(demo.residents.reported.items()))
    ticket = engine.get_ticket(tid)
    assert (ticket.building, ticket.unit) == next(
        (d.building, d.unit) for d in in_app if d.description == ticket.description)
    tech = engine.create_technician(builders.tech("Wang", skills=tuple(Skill)))
    engine.pin(tid, tech.id, by="test")
    engine.report_status(tid, StatusChange(status=Status.on_site))
    engine.report_status(tid, StatusChange(status=Status.completed))
    for _ in range(30):
        clock.advance(timedelta(minutes=10))
        demo.residents.step(clock.now())
    seen = engine.residents.ticket(key, tid)
    assert seen.followup == "answered" and seen.rating is not None
    assert engine.complaints.list()  # at least one complaint in five hours
