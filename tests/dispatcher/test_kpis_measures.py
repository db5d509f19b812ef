"""KPIs on the hand-built history of `tests/kpi_history.py`: each expected figure worked out by
hand (the arithmetic is in the comments) and written as a literal."""

from __future__ import annotations

import pytest

from dispatcher.kpis import measures
from dispatcher.kpis.compute import Scope, compute
from dispatcher.kpis.periods import Period, buckets
from dispatcher.kpis.rows import TicketRow
from tests.kpi_history import END, HISTORY, NOW, START, TZ, at


def kpis(scope: Scope | None = None, start=START, end=END):
    return compute(HISTORY, start=start, end=end, now=NOW, tz=TZ, scope=scope or Scope())


def test_sla_compliance_per_milestone_counts_missed_unreached_and_skips_not_yet_due() -> None:
    """Cohort: tickets 1-4, 6-8 (5 cancelled; PM tickets were reported in October)."""
    k = kpis()
    assert k.tickets == 7
    # respond: met 1, 2, 3, 7, 8; missed 4 (never accepted, due passed), 6 (09:40 > 09:30)
    assert (k.respond_met, k.respond_missed, k.respond_compliance) == (5, 2, 5 / 7)
    # arrive: met 1, 3, 6, 7; missed 2 (10:40 > 10:30), 4; ticket 8 not yet due (12:30 > now)
    assert (k.arrive_met, k.arrive_missed) == (4, 2)
    assert k.arrive_compliance == pytest.approx(0.6667, abs=1e-4)
    # resolve: met 2, 3, 6; missed 1 (10:40 > 10:30), 4, 7 (12:30 > 12:00); 8 not yet due
    assert (k.resolve_met, k.resolve_missed, k.resolve_compliance) == (3, 3, 0.5)


def test_closed_loop_first_time_fix_rework_and_ratings() -> None:
    k = kpis()
    assert k.completed == 5  # 1, 2, 3, 6, 7
    assert k.closed == 3 and k.closed_loop_rate == 0.6  # 1, 3, 7 closed; 2 and 6 pending
    assert k.first_time_fix_rate == 0.8  # 3 was redone by 6
    assert k.rework_tickets == 1 and k.rework_rate == 0.2
    assert k.follow_ups_answered == 3
    assert k.rating_avg == pytest.approx(3.6667, abs=1e-4)  # (5 + 2 + 4) / 3


def test_cycle_time_average_and_nearest_rank_p90() -> None:
    k = kpis()
    assert k.cycle_time_avg_min == 118.0  # (100 + 100 + 120 + 120 + 150) / 5
    assert k.cycle_time_p90_min == 150.0  # ceil(0.9 * 5) = 5th of 5


def test_preventive_maintenance_on_time_and_recurring_faults() -> None:
    k = kpis()
    # 101 done 2 Nov 14:00-15:00 inside its window; 102 finished 16:40 after its 16:00 end
    assert (k.maintenance_due, k.maintenance_on_time, k.maintenance_on_time_rate) == (2, 1, 0.5)
    assert k.recurring_faults == 1


def test_utilisation_is_on_site_time_over_shift_time_up_to_now() -> None:
    k = kpis()
    # Wang on site 60 + 60 + 125 + 40 min, Li 60 + 60 + 60 min = 7.75 h; shifts 2 x (9+9+4) h
    assert k.on_site_hours == 7.75
    assert k.shift_hours == 44.0
    assert k.utilisation == pytest.approx(0.1761, abs=1e-4)
    wang = kpis(Scope(technician=1))
    assert (wang.on_site_hours, wang.shift_hours) == (4.75, 22.0)


def test_travel_sums_successive_gps_fixes_inside_the_range() -> None:
    k = kpis()
    # Wang 0 -> 1 -> 1 -> 2 km = 2 km, Li 0.5 km; Wang's 1 Nov fix (3 km) is outside
    assert k.travel_km == pytest.approx(2.5, abs=0.005)
    assert kpis(Scope(technician=2)).travel_km == pytest.approx(0.5, abs=0.002)


def test_day_buckets_split_the_cohort() -> None:
    days = buckets(at(2, 0).date(), at(4, 0).date(), Period.day, TZ)
    assert [b.label for b in days] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    mon, tue, wed = (kpis(start=b.start, end=b.end) for b in days)
    assert (mon.tickets, mon.completed, mon.closed, mon.rework_tickets) == (4, 3, 2, 0)
    assert mon.first_time_fix_rate == pytest.approx(0.6667, abs=1e-4)  # 3 of 1, 2, 3 redone
    assert (tue.tickets, tue.completed, tue.closed_loop_rate, tue.rework_rate) == (2, 2, 0.5, 0.5)
    assert tue.first_time_fix_rate == 1.0
    assert (wed.tickets, wed.completed, wed.first_time_fix_rate) == (1, 0, None)
    assert wed.shift_hours == 8.0  # 08:00-12:00 for two, up to now


def test_scopes_by_technician_urgency_and_category() -> None:
    wang = kpis(Scope(technician=1))
    assert (wang.tickets, wang.completed) == (3, 3)  # 1, 3, 7
    assert wang.first_time_fix_rate == pytest.approx(0.6667, abs=1e-4)
    assert wang.maintenance_due == 1 and wang.maintenance_on_time == 0  # 102, late
    emergency = kpis(Scope(urgency="emergency"))
    assert (emergency.tickets, emergency.arrive_met, emergency.arrive_missed) == (2, 1, 1)
    assert emergency.utilisation is None and emergency.travel_km is None
    water = kpis(Scope(category="water"))
    assert (water.tickets, water.rework_tickets, water.recurring_faults) == (3, 1, 1)


def test_week_and_month_buckets_are_whole_local_periods() -> None:
    weeks = buckets(at(2, 0).date(), at(4, 0).date(), Period.week, TZ)
    assert [(b.label, b.start, b.end) for b in weeks] == [("2026-W45", at(2, 0), at(9, 0))]
    months = buckets(at(30, 0, month=10).date(), at(2, 0).date(), Period.month, TZ)
    assert [b.label for b in months] == ["2026-10", "2026-11"]
    assert months[1].end == at(1, 0, month=12)


def test_p90_nearest_rank_and_empty() -> None:
    assert measures.p90(list(range(1, 11))) == 9
    assert measures.p90([5]) == 5
    assert measures.p90([]) is None


def test_on_site_time_counts_the_last_stint_of_work_called_away_from() -> None:
    """Arrived 09:00, called away 09:20 for an emergency (on site 09:30-10:30, its own ticket),
    back at 11:00, done 11:30: the tap's time on site is its last stint, 30 min, so the hour
    away at the emergency is not counted twice."""
    tap = TicketRow(id=1, urgency="routine", category="water", reported_at=at(2, 8),
                    technician_id=1, on_site_at=at(2, 9), work_started_at=at(2, 11),
                    completed_at=at(2, 11, 30))
    burst = TicketRow(id=2, urgency="emergency", category="water", reported_at=at(2, 9, 15),
                      technician_id=1, on_site_at=at(2, 9, 30), work_started_at=at(2, 9, 30),
                      completed_at=at(2, 10, 30))
    assert measures.on_site_seconds([tap, burst], 1, START, END, NOW) == 90 * 60
