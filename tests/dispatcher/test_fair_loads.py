"""Fair loads: with `fairness_weight` set, each technician's fair share of the day's work
reaches the optimizer, and work goes to the one who has done less today."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.planning import snapshot as snapshots
from dispatcher.tickets.models import Ticket
from tests.builders import ORIGIN, north, tech, ticket


def a_busy_morning(engine: Engine, clock: ManualClock) -> tuple[int, int, list[int]]:
    """Wang (at the jobs) has done four hours on site today, Li (1.5 km off) nothing; two
    hour-long routine jobs wait next to Wang. Returns (wang, li, the jobs)."""
    wang = engine.create_technician(tech("Wang", (Skill.general,), at=ORIGIN)).id
    li = engine.create_technician(tech("Li", (Skill.general,), at=north(1.5))).id
    now = clock.now()
    with engine.sessions() as s:
        for hours in (1, 3):  # an hour's job, then a three hours' one, both done this morning
            done = engine.create_ticket(ticket(Urgency.routine, Category.general))
            row = s.get(Ticket, done.id)
            row.status, row.technician_id = Status.completed, wang
            row.on_site_at = now - timedelta(hours=hours + 0.1)
            row.completed_at = row.on_site_at + timedelta(hours=hours)
        s.commit()
    jobs = [engine.create_ticket(ticket(Urgency.routine, Category.general, at=ORIGIN,
                                        service_minutes=60)).id for _ in range(2)]
    return wang, li, jobs


def test_each_share_is_the_days_work_over_those_on_shift_less_his_own(
        engine: Engine, clock: ManualClock) -> None:
    """(240 min done + 120 open) / 2 = 180 min each: Wang has none left, Li all 180."""
    engine.settings = engine.settings.model_copy(update={"fairness_weight": 60})
    wang, li, _ = a_busy_morning(engine, clock)
    with engine.sessions() as s:
        snap = snapshots.build(s, now=clock.now(), settings=engine.settings,
                               policy=engine.policy, travel=engine.travel)
    shares = {t.id: t.fair_work for t in snap.techs}
    assert shares == {str(wang): 0, str(li): 180 * 60}


def test_the_work_goes_to_who_has_done_less_today(engine: Engine, clock: ManualClock) -> None:
    engine.settings = engine.settings.model_copy(update={"fairness_weight": 60})
    engine.params = dataclasses.replace(engine.params, fairness_weight=60)
    _, li, jobs = a_busy_morning(engine, clock)
    engine.replan_now()
    assert {engine.get_ticket(j).assignment.technician_id for j in jobs} == {li}


def test_without_the_term_the_nearest_takes_it(engine: Engine, clock: ManualClock) -> None:
    wang, _, jobs = a_busy_morning(engine, clock)
    with engine.sessions() as s:
        snap = snapshots.build(s, now=clock.now(), settings=engine.settings,
                               policy=engine.policy, travel=engine.travel)
    assert all(t.fair_work is None for t in snap.techs)  # not even a query's worth
    engine.replan_now()
    assert {engine.get_ticket(j).assignment.technician_id for j in jobs} == {wang}
