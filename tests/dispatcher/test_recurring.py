"""Recurring faults at the thresholds: 2 faults nothing, 3 one alert, 3 more still one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.alerts.models import AlertKind, AlertState
from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Status
from dispatcher.errors import Conflict
from dispatcher.recurring.models import RecurringState, Scope
from tests import builders


def _elevator(engine: Engine) -> int:
    lat, lon = builders.ORIGIN
    return engine.create_asset(AssetCreate(kind=AssetKind.elevator, name="3号楼 1号梯",
                                           site_id="lvjing", building="3", lat=lat,
                                           lon=lon)).id


def _fault(engine: Engine, asset_id: int | None = None, unit: str | None = None,
           building: str | None = None, category: Category = Category.elevator) -> int:
    """A fault ticket, reported three hours after the one before (within two hours of an
    open fault at the same place it would be that fault's duplicate, not a recurrence);
    without a building it counts only towards its asset."""
    assert isinstance(engine.clock, ManualClock)
    engine.clock.advance(timedelta(hours=3))
    return engine.create_ticket(builders.ticket(
        category=category, site_id="lvjing", building=building, unit=unit,
        asset_id=asset_id)).id


def _alerts(engine: Engine) -> list:
    return [a for a in engine.list_alerts() if a.kind is AlertKind.recurring_fault]


def test_asset_threshold(engine: Engine, clock: ManualClock) -> None:
    """2 faults on an elevator: nothing; the 3rd: one alert and one proposal; 3 more: still
    one open alert, now counting 6."""
    asset = _elevator(engine)
    ids = [_fault(engine, asset)]
    clock.advance(timedelta(days=5))
    ids.append(_fault(engine, asset))
    assert _alerts(engine) == [] and engine.list_recurring() == []
    clock.advance(timedelta(days=5))
    ids.append(_fault(engine, asset))
    (alert,) = _alerts(engine)
    assert alert.state is AlertState.open and "3 elevator faults at asset" in alert.message
    (proposal,) = engine.list_recurring(RecurringState.open)
    assert (proposal.scope, proposal.count, proposal.ticket_ids) == (Scope.asset, 3, ids)
    for _ in range(3):
        clock.advance(timedelta(days=1))
        _fault(engine, asset)
    (alert,) = _alerts(engine)
    assert alert.state is AlertState.open and "6 elevator faults" in alert.message
    (proposal,) = engine.list_recurring(RecurringState.open)
    assert proposal.count == 6


def test_faults_outside_the_window_do_not_count(engine: Engine, clock: ManualClock) -> None:
    asset = _elevator(engine)
    _fault(engine, asset)
    clock.advance(timedelta(days=20))
    _fault(engine, asset)
    clock.advance(timedelta(days=11))  # the first is now 31 days old
    _fault(engine, asset)
    assert _alerts(engine) == []


def test_the_monitor_leaves_the_recurring_alert_open(engine: Engine) -> None:
    """The SLA monitor reconciles its own kinds only."""
    asset = _elevator(engine)
    for _ in range(3):
        _fault(engine, asset)
    engine.check_alerts()
    assert [a.state for a in _alerts(engine)] == [AlertState.open]


def test_accepting_creates_the_root_cause_ticket_and_resolves_the_alert(
        engine: Engine, clock: ManualClock) -> None:
    """A new ticket in state new; the alert resolves; the faults counted do not re-open a
    proposal, a fresh series of 3 does."""
    asset = _elevator(engine)
    for _ in range(3):
        _fault(engine, asset)
    (proposal,) = engine.list_recurring()
    accepted = engine.accept_recurring(proposal.id, by="Chen")
    root = engine.get_ticket(accepted.root_cause_ticket_id)
    assert root.status is Status.new and root.asset_id == asset
    assert root.description.startswith("Root cause: 3 elevator faults")
    assert [a.state for a in _alerts(engine)] == [AlertState.resolved]
    with pytest.raises(Conflict):
        engine.dismiss_recurring(proposal.id, by="Chen")
    clock.advance(timedelta(hours=1))
    _fault(engine, asset)
    _fault(engine, asset)
    assert engine.list_recurring(RecurringState.open) == []
    _fault(engine, asset)
    assert len(engine.list_recurring(RecurringState.open)) == 1


def test_unit_and_building_thresholds(engine: Engine) -> None:
    """Water faults at one unit: 3 make a unit proposal; the building needs 6."""
    for _ in range(3):
        _fault(engine, unit="1202", building="3", category=Category.water)
    assert [r.scope for r in engine.list_recurring()] == [Scope.unit]
    for unit in ("101", "102"):
        _fault(engine, unit=unit, building="3", category=Category.water)
    assert [r.scope for r in engine.list_recurring()] == [Scope.unit]
    _fault(engine, unit="103", building="3", category=Category.water)
    assert sorted(r.scope for r in engine.list_recurring()) == [Scope.building, Scope.unit]


def test_dismissing_resolves_the_alert(engine: Engine) -> None:
    asset = _elevator(engine)
    for _ in range(3):
        _fault(engine, asset)
    (proposal,) = engine.list_recurring()
    assert engine.dismiss_recurring(proposal.id, by="Chen").state is RecurringState.dismissed
    assert [a.state for a in _alerts(engine)] == [AlertState.resolved]
