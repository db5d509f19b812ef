"""`dispatch history`: simulated days through the real engine leave a closed loop behind that
the KPIs read back (follow-ups answered, rework from "not fixed", preventive visits)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dispatcher.kpis.schemas import KpiQuery
from dispatcher.simulation.history import Residents, generate, history_engine

FIRST = date(2026, 11, 2)


def test_two_short_days_close_the_loop(tmp_path: Path) -> None:
    engine = history_engine(f"sqlite:///{tmp_path}/h.db", FIRST)
    residents = Residents(answer_share=1.0, not_fixed_share=0.3)
    stats = generate(engine, first=FIRST, days=2, seed=3, residents=residents, hours=3)
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
