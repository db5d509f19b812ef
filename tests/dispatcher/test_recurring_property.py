"""Property: a proposal opens exactly when some 3 faults on an asset fall within 30 days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import dispatcher.models  # noqa: F401  (registers every table)
from dispatcher.alerts.models import Alert, AlertKind
from dispatcher.assets.models import Asset, AssetKind
from dispatcher.db import Base, make_engine, make_sessionmaker
from dispatcher.enums import Category
from dispatcher.recurring import service as recurring
from dispatcher.recurring.models import RecurringFault
from dispatcher.sla.policy import load_policy
from dispatcher.tickets import service as tickets
from tests import builders

START = datetime(2026, 1, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
POLICY = load_policy()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 120 * 24), min_size=1, max_size=9))
def test_a_proposal_iff_three_faults_within_the_window(hours: list[int]) -> None:
    """Faults at random hours over four months, in order: one proposal and one alert when
    some fault has two others in the 30 days before it, none otherwise."""
    hours.sort()
    db = make_engine("sqlite://")
    Base.metadata.create_all(db)
    with make_sessionmaker(db)() as session:
        asset = Asset(kind=AssetKind.elevator, name="lift", lat=builders.ORIGIN[0],
                      lon=builders.ORIGIN[1], created_at=START)
        session.add(asset)
        session.flush()
        for h in hours:
            at = START + timedelta(hours=h)
            ticket = tickets.create(session, data=builders.ticket(
                category=Category.elevator, asset_id=asset.id, reported_at=at), now=at,
                policy=POLICY)
            recurring.detect(session, ticket=ticket, now=at, thresholds=recurring.Thresholds())
        rows = session.scalar(select(func.count()).select_from(RecurringFault))
        alerts = session.scalar(select(func.count()).where(
            Alert.kind == AlertKind.recurring_fault))
    db.dispose()
    expected = any(hours[i] - hours[i - 2] <= 30 * 24 for i in range(2, len(hours)))
    assert (rows, alerts) == ((1, 1) if expected else (0, 0))
