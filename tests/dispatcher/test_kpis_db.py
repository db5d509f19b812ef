"""The KPIs read back from a database (SQLite and PostgreSQL): the hand-built history stored as
rows gives the same hand-worked figures as in `test_kpis_measures.py`."""

from __future__ import annotations

from datetime import date

import pytest

from dispatcher.engine import Engine
from dispatcher.errors import Invalid
from dispatcher.kpis.schemas import GroupBy, KpiQuery
from tests.kpi_history import store

RANGE = {"start": date(2026, 11, 2), "end": date(2026, 11, 4)}


def test_stored_history_gives_the_hand_worked_totals(engine: Engine) -> None:
    store(engine)
    total = engine.kpis(KpiQuery(**RANGE)).total
    assert (total["tickets"], total["completed"], total["closed"]) == (7, 5, 3)
    assert (total["respond_met"], total["respond_missed"]) == (5, 2)
    assert (total["arrive_met"], total["arrive_missed"]) == (4, 2)
    assert total["resolve_compliance"] == 0.5
    assert total["closed_loop_rate"] == 0.6
    assert total["first_time_fix_rate"] == 0.8
    assert total["rework_rate"] == 0.2
    assert (total["cycle_time_avg_min"], total["cycle_time_p90_min"]) == (118.0, 150.0)
    assert total["rating_avg"] == pytest.approx(3.6667, abs=1e-4)
    assert total["recurring_faults"] == 1
    assert (total["maintenance_due"], total["maintenance_on_time_rate"]) == (2, 0.5)
    assert (total["on_site_hours"], total["shift_hours"]) == (7.75, 44.0)
    assert total["travel_km"] == pytest.approx(2.5, abs=0.005)


def test_rows_per_day_and_per_technician(engine: Engine) -> None:
    store(engine)
    days = engine.kpis(KpiQuery(**RANGE)).rows
    assert [(r.key, r.kpis["tickets"], r.kpis["completed"]) for r in days] == [
        ("2026-11-02", 4, 3), ("2026-11-03", 2, 2), ("2026-11-04", 1, 0)]
    techs = engine.kpis(KpiQuery(**RANGE, group_by=GroupBy.technician)).rows
    assert [(r.label, r.kpis["completed"], r.kpis["on_site_hours"]) for r in techs] == [
        ("王师傅 Wang", 3, 4.75), ("李师傅 Li", 2, 3.0)]
    assert techs[1].kpis["travel_km"] == pytest.approx(0.5, abs=0.002)


def test_a_range_ending_before_it_starts_is_refused_naming_from(engine: Engine) -> None:
    with pytest.raises(Invalid) as err:
        engine.kpis(KpiQuery(start=date(2026, 11, 5), end=date(2026, 11, 1)))
    assert err.value.field == "from"
