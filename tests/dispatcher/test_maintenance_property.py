"""Property: the next due date after a visit (anchored inside the window, re-anchored outside)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import dispatcher.models  # noqa: F401  (registers every table)
from dispatcher.assets.models import Asset, AssetKind
from dispatcher.db import Base, make_engine, make_sessionmaker
from dispatcher.enums import Status
from dispatcher.maintenance import service as maintenance
from dispatcher.maintenance.schemas import PlanCreate
from dispatcher.sla.policy import load_policy
from tests import builders
from tests.dispatcher.test_recurring_property import START

POLICY = load_policy()


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["elevator", "street_light", "pump_room", "water_tank"]),
       offset_h=st.integers(-20 * 24, 20 * 24))
def test_next_due_follows_the_rule(kind: str, offset_h: int) -> None:
    """Done `offset_h` hours from its due date: due + cadence inside due ± tolerance,
    completion + cadence outside; never earlier than that, never two tickets per due."""
    db = make_engine("sqlite://")
    Base.metadata.create_all(db)
    with make_sessionmaker(db)() as s:
        asset = Asset(kind=AssetKind(kind), name="x", lat=builders.ORIGIN[0],
                      lon=builders.ORIGIN[1], created_at=START)
        s.add(asset)
        s.flush()
        due = START + timedelta(days=30)
        plan = maintenance.create(s, data=PlanCreate(asset_id=asset.id, first_due=due), now=START)
        made = maintenance.generate(s, now=due - timedelta(days=plan.tolerance_days + 1),
                                    horizon=timedelta(days=3), policy=POLICY)
        assert len(made) == 1
        assert maintenance.generate(s, now=due, horizon=timedelta(days=3), policy=POLICY) == []
        ticket = made[0]
        done = due + timedelta(hours=offset_h)
        ticket.status, ticket.completed_at = Status.completed, done
        maintenance.complete(s, ticket=ticket)
        cadence, tol = timedelta(days=plan.cadence_days), timedelta(days=plan.tolerance_days)
        inside = due - tol <= done <= due + tol
        assert maintenance.on_time(ticket) == inside
        assert plan.next_due == max(due, (due if inside else done) + cadence)
        assert plan.last_done == done
    db.dispose()
