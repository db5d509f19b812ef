"""`dispatch history`: simulated days through the real engine leave a closed loop behind that
the KPIs read back (follow-ups answered, rework from "not fixed", preventive visits)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dispatcher.kpis.schemas import KpiQuery
from dispatcher.simulation.history import (
    HistoryPolicy,
    Listener,
    Residents,
    demo_scenario,
    generate,
    history_engine,
)
from dispatcher.simulation.world import World

FIRST = date(2026, 11, 2)
TZ = ZoneInfo("Asia/Shanghai")


def test_two_short_days_close_the_loop(tmp_path: Path) -> None:
    engine = history_engine(f"sqlite:///{tmp_path}/h.db", FIRST)
    residents = Residents(answer_share=1.0, not_fixed_share=0.3)
    stats = generate(engine, first=FIRST, days=2, seed=3, residents=residents, hours=3,
                     second_visit_share=0.0)
    try:
        assert stats.days == 2 and stats.tickets > 10
        assert stats.answered > 0 and 0 < stats.not_fixed < stats.answered
        total = engine.kpis(KpiQuery(start=FIRST, end=date(2026, 11, 4))).total
        # Every completed repair of day 1 and 2 was answered the next morning.
        assert total["follow_ups_answered"] == stats.answered
        assert total["closed"] == stats.answered
        assert total["rework_tickets"] == stats.not_fixed
        assert total["first_time_fix_rate"] < 1.0
        assert total["maintenance_due"] >= 1 and total["on_site_hours"] > 0
        assert total["travel_km"] > 0
        preventive = [t for t in engine.list_tickets() if t.preventive]
        assert preventive and any(t.completed_at for t in preventive)
    finally:
        engine.sessions.kw["bind"].dispose()


def test_kpis_of_days_worked_through_the_app_verbs_match_a_hand_count(tmp_path: Path) -> None:
    """The simulated technicians use the app's verbs only (check in, complete, a share of
    "needs another visit"): every completed repair has one follow-up, every not-fixed one
    exactly one linked rework, and the KPIs equal a count made here from the tickets."""
    engine = history_engine(f"sqlite:///{tmp_path}/h.db", FIRST)
    residents = Residents(answer_share=0.5, not_fixed_share=0.2)
    stats = generate(engine, first=FIRST, days=2, seed=5, residents=residents, hours=3,
                     second_visit_share=0.25)
    try:
        end = date(2026, 11, 4)
        tickets = [t for t in engine.list_tickets()
                   if t.reported_at.astimezone(TZ).date() < end and t.status.value != "cancelled"]
        repairs = [t for t in tickets if not t.preventive]
        done = [t for t in repairs if t.completed_at is not None]
        redone = {t.rework_of for t in engine.list_tickets() if t.rework_of is not None}
        assert stats.tickets > 10 and done
        for t in done:
            assert engine.get_followup(t.id).ticket_id == t.id  # one per ticket (404 if none)
            assert t.fixed_first_time is (t.id not in redone), t.id
        not_fixed = [t for t in done if t.fixed_first_time is False]
        assert not_fixed, "the share of second visits made none"
        for t in not_fixed:
            assert len([r for r in engine.list_tickets() if r.rework_of == t.id]) == 1
        total = engine.kpis(KpiQuery(start=FIRST, end=end)).total
        assert total["completed"] == len(done)
        assert total["closed"] == sum(t.status.value == "closed" for t in done)
        assert total["rework_tickets"] == sum(t.rework_of is not None for t in repairs)
        assert total["first_time_fix_rate"] == pytest.approx(
            sum(t.id not in redone for t in done) / len(done))
        assert total["first_time_fix_rate"] < 1.0
    finally:
        engine.sessions.kw["bind"].dispose()


def test_bug_a_history_day_can_turn_a_technician_round(tmp_path: Path) -> None:
    """The month run crashed (KeyError) on the first call-away: the history policy, which binds
    technicians the days share, never told the engine policy which world technician each
    engine technician is, and turning one round needs exactly that."""
    engine = history_engine(f"sqlite:///{tmp_path}/h.db", FIRST)
    try:
        scenario = demo_scenario(FIRST, hours=1)
        policy = HistoryPolicy(engine, {}, Listener(engine))
        world = World(scenario, [], seed=1)
        policy.bind(world)
        assert policy._world_tech == {eid: wid for wid, eid in policy.tech_ids.items()}
        assert len(policy.tech_ids) == len(scenario.technicians)
    finally:
        engine.sessions.kw["bind"].dispose()
