"""Rework: "not fixed" reopens, a repeat report at the same unit links, another technician is
preferred."""

from __future__ import annotations

from datetime import timedelta

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status
from dispatcher.followups.schemas import FollowUpAnswer, PhoneAnswer
from tests import builders
from tests.dispatcher.closed_loop_helpers import complete

UNIT = {"site_id": "lvjing", "building": "3", "unit": "1202"}


def _electricians(engine: Engine, n: int = 1) -> list[int]:
    return [engine.create_technician(builders.tech(f"E{i}", (Skill.electrician,),
                                                   at=builders.north(0.2 * i))).id
            for i in range(n)]


def _repair(engine: Engine, **place: str) -> int:
    t = engine.create_ticket(builders.ticket(category=Category.electric, **place))
    complete(engine, t.id)
    return t.id


def test_not_fixed_reopens_as_a_rework_linked_to_the_original(engine: Engine) -> None:
    """The original closes (its loop is done) and a new open ticket points back at it."""
    _electricians(engine)
    original = _repair(engine, **UNIT)
    link = engine.issue_followup_link(original)
    answer = engine.answer_followup_link(
        link.token, FollowUpAnswer(rating=2, fixed=False, comment="still flickers"))
    assert answer.rework_ticket_id is not None
    redo = engine.get_ticket(answer.rework_ticket_id)
    assert redo.rework_of == original and redo.status is Status.new
    assert (redo.category, redo.building, redo.unit) == (Category.electric, "3", "1202")
    assert "still flickers" in redo.description
    assert engine.get_ticket(original).status is Status.closed


def test_fixed_answer_makes_no_rework(engine: Engine) -> None:
    _electricians(engine)
    original = _repair(engine, **UNIT)
    answer = engine.answer_followup_phone(original, PhoneAnswer(rating=5, fixed=True))
    assert answer.rework_ticket_id is None
    assert [t.id for t in engine.list_tickets()] == [original]


def test_a_repeat_report_at_the_unit_within_7_days_is_rework(engine: Engine,
                                                            clock: ManualClock) -> None:
    """Same category, same unit, 6 days after completion: linked; other unit or category,
    or after the window: not."""
    _electricians(engine)
    original = _repair(engine, **UNIT)
    clock.advance(timedelta(days=6))
    repeat = engine.create_ticket(builders.ticket(category=Category.electric, **UNIT))
    other_unit = engine.create_ticket(builders.ticket(
        category=Category.electric, **{**UNIT, "unit": "1201"}))
    other_kind = engine.create_ticket(builders.ticket(category=Category.water, **UNIT))
    assert repeat.rework_of == original
    assert other_unit.rework_of is None and other_kind.rework_of is None


def test_a_report_after_the_window_is_a_new_fault(engine: Engine, clock: ManualClock) -> None:
    _electricians(engine)
    _repair(engine, **UNIT)
    clock.advance(timedelta(days=7, minutes=1))
    later = engine.create_ticket(builders.ticket(category=Category.electric, **UNIT))
    assert later.rework_of is None


def test_not_fixed_after_a_repeat_report_reuses_the_open_rework(engine: Engine,
                                                                clock: ManualClock) -> None:
    """The resident both reported again and answered "not fixed": one rework, not two."""
    _electricians(engine)
    original = _repair(engine, **UNIT)
    clock.advance(timedelta(hours=3))
    repeat = engine.create_ticket(builders.ticket(category=Category.electric, **UNIT))
    answer = engine.answer_followup_phone(original, PhoneAnswer(rating=1, fixed=False))
    assert answer.rework_ticket_id == repeat.id
    assert len(engine.list_tickets()) == 2


def test_rework_goes_to_another_technician(engine: Engine) -> None:
    """The one who did the original stands at the unit (0 m) and another is 200 m away:
    the rework penalty (30 min) sends the rework to the other one."""
    first, second = _electricians(engine, 2)
    original = _repair(engine, **UNIT)
    did = engine.get_ticket(original).assignment.technician_id
    answer = engine.answer_followup_phone(original, PhoneAnswer(rating=1, fixed=False))
    engine.replan_now()
    other = second if did == first else first
    assert engine.get_ticket(answer.rework_ticket_id).assignment.technician_id == other


def test_rework_stays_with_the_only_qualified_technician(engine: Engine) -> None:
    """A soft preference: with nobody else able to do it, he still gets it."""
    only = _electricians(engine, 1)[0]
    engine.create_technician(builders.tech("P", (Skill.plumber,)))
    original = _repair(engine, **UNIT)
    answer = engine.answer_followup_phone(original, PhoneAnswer(rating=1, fixed=False))
    engine.replan_now()
    assert engine.get_ticket(answer.rework_ticket_id).assignment.technician_id == only
