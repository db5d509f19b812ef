"""SLA alerts with a clock the test controls: predicted, at risk, breached, recovered,
unassigned, stale GPS, escalation, acknowledgement and de-duplication."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.alerts.models import AlertKind, AlertState
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.errors import Conflict, NotFound
from dispatcher.technicians.schemas import PositionUpdate
from dispatcher.tickets.schemas import StatusChange
from tests.builders import ORIGIN, north, tech, ticket

MIN = timedelta(minutes=1)


def live(engine: Engine, kind: AlertKind) -> list:
    return [a for a in engine.list_alerts() if a.kind is kind and a.state is not
            AlertState.resolved]


def test_far_emergency_is_a_predicted_breach_that_recovers(engine: Engine) -> None:
    wang = engine.create_technician(tech("Wang", (Skill.plumber,)))
    engine.update_position(wang.id, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    t = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=north(12)))
    engine.replan_now()  # 12 km at 20 km/h x 1.3: ~47 min, past the 30-minute arrival deadline
    [alert] = live(engine, AlertKind.predicted_breach)
    assert alert.ticket_id == t.id and alert.milestones == "arrive"
    assert "predicted to miss: arrive" in alert.message
    lat, lon = north(11)
    engine.update_position(wang.id, PositionUpdate(lat=lat, lon=lon))
    engine.replan_now()
    assert live(engine, AlertKind.predicted_breach) == []
    resolved = [a for a in engine.list_alerts() if a.id == alert.id][0]
    assert resolved.state is AlertState.resolved and resolved.resolved_at is not None


def test_at_risk_then_breached_then_resolved_when_done(engine: Engine, clock: ManualClock) -> None:
    engine.create_technician(tech("Wang", (Skill.plumber,)))
    t = engine.create_ticket(ticket(Urgency.emergency, Category.water, at=ORIGIN))
    engine.replan_now()
    engine.report_status(t.id, StatusChange(status=Status.accepted))
    assert engine.check_alerts() == []
    clock.advance(21 * MIN)  # 9 minutes left to be on site: at risk
    engine.check_alerts()
    [risk] = live(engine, AlertKind.at_risk)
    assert "arrive (9 min left)" in risk.message
    clock.advance(10 * MIN)  # 31 minutes: the arrival deadline has passed
    engine.check_alerts()
    [breach] = live(engine, AlertKind.breached)
    assert breach.milestones == "arrive" and live(engine, AlertKind.at_risk) == []
    for status in (Status.en_route, Status.on_site):
        engine.report_status(t.id, StatusChange(status=status))
    engine.check_alerts()
    assert [a.id for a in live(engine, AlertKind.breached)] == [breach.id]  # a fact stays
    engine.report_status(t.id, StatusChange(status=Status.completed))
    engine.check_alerts()
    assert live(engine, AlertKind.breached) == []


def test_one_alert_per_ticket_and_kind(engine: Engine, clock: ManualClock) -> None:
    engine.create_technician(tech("Wang", (Skill.general,)))
    engine.create_ticket(ticket(Urgency.emergency, Category.elevator))
    clock.advance(40 * MIN)
    for _ in range(3):
        engine.check_alerts()
    kinds = [a.kind for a in engine.list_alerts()]
    assert kinds.count(AlertKind.breached) == 1 and kinds.count(AlertKind.unassigned) == 1


def test_unassigned_for_too_long_names_the_reason(engine: Engine, clock: ManualClock) -> None:
    engine.create_technician(tech("Wang", (Skill.general,)))
    engine.create_ticket(ticket(Urgency.routine, Category.elevator))
    engine.replan_now()
    assert live(engine, AlertKind.unassigned) == []
    clock.advance(11 * MIN)
    engine.check_alerts()
    [alert] = live(engine, AlertKind.unassigned)
    assert "unassigned for 11 min" in alert.message and "elevator" in alert.message


def test_stale_gps_opens_and_recovers(engine: Engine, clock: ManualClock) -> None:
    wang = engine.create_technician(tech("Wang"))
    engine.update_position(wang.id, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    clock.advance(9 * MIN)
    assert engine.check_alerts() == []
    clock.advance(2 * MIN)
    engine.check_alerts()
    [alert] = live(engine, AlertKind.stale_gps)
    assert alert.technician_id == wang.id and "no GPS fix for 11 min" in alert.message
    engine.update_position(wang.id, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    engine.check_alerts()
    assert live(engine, AlertKind.stale_gps) == []


def test_stale_gps_counts_from_when_a_technician_was_added(engine: Engine,
                                                          clock: ManualClock) -> None:
    """Added an hour into his shift with only a home position: no fix is owed for that hour;
    the alert comes 10 min after he was added and says from when it counts."""
    clock.advance(60 * MIN)  # 10:00, his shift began at 08:00
    wang = engine.create_technician(tech("Wang"))
    clock.advance(1 * MIN)
    engine.check_alerts()
    assert live(engine, AlertKind.stale_gps) == []
    clock.advance(10 * MIN)
    engine.check_alerts()
    [alert] = live(engine, AlertKind.stale_gps)
    assert alert.technician_id == wang.id
    assert "no GPS fix for 11 min (since he was added, 10:00)" in alert.message


def test_unacknowledged_alerts_escalate_acknowledged_ones_do_not(
        engine: Engine, clock: ManualClock) -> None:
    engine.create_technician(tech("Wang", (Skill.general,)))
    engine.create_ticket(ticket(Urgency.emergency, Category.elevator))
    engine.create_ticket(ticket(Urgency.emergency, Category.fire))
    clock.advance(31 * MIN)
    engine.check_alerts()
    first, second = live(engine, AlertKind.breached)
    acked = engine.acknowledge_alert(first.id, by="desk-1")
    assert acked.state is AlertState.acknowledged and acked.acked_by == "desk-1"
    with pytest.raises(Conflict):
        engine.acknowledge_alert(first.id, by="desk-1")
    with pytest.raises(NotFound):
        engine.acknowledge_alert(999, by="desk-1")
    clock.advance(16 * MIN)
    engine.check_alerts()
    levels = {a.id: a.level for a in live(engine, AlertKind.breached)}
    assert levels == {first.id: 1, second.id: 2}
    escalated = [a.id for a in engine.list_alerts(AlertState.open)
                 if a.level == 2 and a.kind is AlertKind.breached]
    assert escalated == [second.id]
