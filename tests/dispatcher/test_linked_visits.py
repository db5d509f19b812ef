"""Linked visits: a ticket that follows another is not planned before the first is completed
plus its delay, and goes to the technician who did the first when it must be him."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.errors import Invalid
from dispatcher.messages import translate
from dispatcher.planning import snapshot as snapshots
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import Follows, StatusChange
from optimizer import SolveParams, solve
from tests.builders import ORIGIN, north, tech, ticket


def done(engine: Engine, ticket_id: int) -> None:
    """Its technician works it through to completion."""
    for status in (Status.accepted, Status.en_route, Status.on_site, Status.completed):
        engine.report_status(ticket_id, StatusChange(status=status))


def test_the_second_visit_waits_for_the_first_then_follows_its_delay(
        engine: Engine, clock: ManualClock) -> None:
    """The part is ordered at the first visit: the second is held while the first is open,
    then planned no sooner than two hours after its completion, by the same technician
    although another one is nearer."""
    wang = engine.create_technician(tech("Wang", (Skill.plumber,), at=north(3)))
    li = engine.create_technician(tech("Li", (Skill.plumber,), at=ORIGIN))
    first = engine.create_ticket(ticket(Urgency.routine, Category.water, at=north(3)))
    engine.pin(first.id, wang.id, by="disp")
    second = engine.create_ticket(ticket(Urgency.routine, Category.water, at=ORIGIN,
                                         follows=Follows(ticket_id=first.id,
                                                         delay_minutes=120,
                                                         same_technician=True)))
    engine.replan_now()
    read = engine.get_ticket(second.id)
    assert read.follows == Follows(ticket_id=first.id, delay_minutes=120, same_technician=True)
    assert read.assignment.technician_id is None
    reason = read.assignment.unassigned_reason
    assert reason == f"waits for ticket {first.id} to be completed"
    assert translate(reason, "zh") == f"等待工单 {first.id} 完工后再排"

    clock.advance(timedelta(minutes=20))
    done(engine, first.id)
    completed = engine.get_ticket(first.id).completed_at
    engine.unpin(first.id, by="disp")
    engine.replan_now()
    planned = engine.get_ticket(second.id).assignment
    assert planned.technician_id == wang.id != li.id
    assert planned.start >= completed + timedelta(minutes=120)


def test_a_delay_past_the_look_ahead_is_held_with_the_time(engine: Engine,
                                                           clock: ManualClock) -> None:
    engine.create_technician(tech("Wang", (Skill.plumber,)))
    first = engine.create_ticket(ticket(Urgency.routine, Category.water))
    second = engine.create_ticket(ticket(Urgency.routine, Category.water, follows=Follows(
        ticket_id=first.id, delay_minutes=2 * 24 * 60)))
    engine.replan_now()
    done(engine, first.id)
    engine.replan_now()
    reason = engine.get_ticket(second.id).assignment.unassigned_reason
    assert reason.startswith(f"follows ticket {first.id}: not before ")
    assert translate(reason, "zh").startswith(f"接续工单 {first.id}：")


def test_a_cancelled_first_visit_leaves_nothing_to_wait_for(engine: Engine) -> None:
    engine.create_technician(tech("Wang", (Skill.plumber,)))
    first = engine.create_ticket(ticket(Urgency.routine, Category.water))
    second = engine.create_ticket(ticket(Urgency.routine, Category.water,
                                         follows=Follows(ticket_id=first.id)))
    engine.cancel_ticket(first.id)
    engine.replan_now()
    assert engine.get_ticket(second.id).assignment.technician_id is not None


def test_a_link_to_nothing_is_refused_naming_the_field(engine: Engine) -> None:
    first = engine.create_ticket(ticket())
    engine.cancel_ticket(first.id)
    for target, words in ((9999, "not found"), (first.id, "cancelled")):
        with pytest.raises(Invalid) as caught:
            engine.create_ticket(ticket(follows=Follows(ticket_id=target)))
        assert caught.value.field == "follows.ticket_id" and words in str(caught.value)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(links=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(
    ["open", "done", "cancelled"]), st.integers(0, 40), st.integers(0, 300), st.booleans()),
    min_size=1, max_size=6))
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_planned_linked_visit_comes_after_its_first_with_the_delay(
        engine: Engine, clock: ManualClock,
        links: list[tuple[int, str, int, int, bool]]) -> None:
    """Random chains of visits, their first visits open, done a while ago or cancelled: no
    job in the snapshot waits on an open first visit, and in the plan every linked visit
    starts after its first's completion plus the delay, by that technician if it must be."""
    techs = [engine.create_technician(tech(f"T{k}", (Skill.general,), at=north(k)))
             for k in range(2)]
    now = clock.now()
    made: list[int] = []
    with engine.sessions() as s:
        for k, (of, _, _, delay, same) in enumerate(links):
            first = made[of % len(made)] if made and of else None
            row = engine.create_ticket(ticket(at=north(0.5 * k), follows=None if first is None
                                              else Follows(ticket_id=first, delay_minutes=delay,
                                                           same_technician=same)))
            made.append(row.id)
        for (_, state, ago, _, _), ticket_id in zip(links, made, strict=True):
            row = s.get(Ticket, ticket_id)
            if state == "done":
                row.status, row.technician_id = Status.completed, techs[ticket_id % 2].id
                row.completed_at = now - timedelta(minutes=ago)
            elif state == "cancelled":
                row.status, row.cancelled_at = Status.cancelled, now
        s.commit()
        built = snapshots.build_with_points(s, now=now, settings=engine.settings,
                                            policy=engine.policy, travel=engine.travel)
        rows = {t.id: t for t in s.query(Ticket)}
    plan = solve(built.snapshot, SolveParams(time_budget_ms=200))
    placed = plan.assignment()
    for job in built.snapshot.jobs:
        t = rows[int(job.id)]
        first = rows.get(t.follows_id) if t.follows_id is not None else None
        if first is None or first.status is Status.cancelled:
            continue
        assert first.status is Status.completed, f"#{t.id} planned before #{first.id} is done"
        release = first.completed_at + timedelta(minutes=t.follows_delay_min)
        not_before = max(0, int((release - now).total_seconds()))
        if job.id in placed:
            tech_id, stop = placed[job.id]
            assert stop.start >= not_before
            if t.follows_same_technician:
                assert tech_id == str(first.technician_id)
    for ticket_id, t in rows.items():
        first = rows.get(t.follows_id) if t.follows_id is not None else None
        if first is not None and t.status in (Status.new, Status.assigned) \
                and first.status in (Status.new, Status.assigned):
            assert str(ticket_id) not in {j.id for j in built.snapshot.jobs}
            assert ticket_id in built.held
