"""Follow-ups: opened on completion, answered once by link or phone, expired by the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.enums import Category, Skill, Status
from dispatcher.errors import Gone, NotFound
from dispatcher.followups.models import Channel, FollowUpState
from dispatcher.followups.schemas import FollowUpAnswer, PhoneAnswer
from tests import builders
from tests.dispatcher.closed_loop_helpers import complete

UNIT = {"site_id": "lvjing", "building": "3", "unit": "1202"}


def _done(engine: Engine, **place: str) -> int:
    engine.create_technician(builders.tech("Wang", (Skill.electrician,)))
    t = engine.create_ticket(builders.ticket(category=Category.electric, **place))
    complete(engine, t.id)
    return t.id


def test_completion_opens_a_pending_follow_up_due_in_24h(engine: Engine,
                                                         clock: ManualClock) -> None:
    """Due 24 h and expiring 72 h after completion; the ticket stays completed meanwhile."""
    ticket_id = _done(engine)
    followup = engine.get_followup(ticket_id)
    assert followup.state is FollowUpState.pending
    assert followup.due_at == clock.now() + timedelta(hours=24)
    assert followup.expires_at == clock.now() + timedelta(hours=72)
    assert engine.get_ticket(ticket_id).status is Status.completed
    assert engine.get_ticket(ticket_id).assignment.technician_id is not None


def test_a_link_answer_closes_the_ticket_and_the_link_is_single_use(engine: Engine) -> None:
    """fixed=true closes the ticket; the same link a second time is refused as gone."""
    ticket_id = _done(engine)
    link = engine.issue_followup_link(ticket_id)
    assert link.url.endswith(link.token)
    assert engine.followup_by_token(link.token).ticket_id == ticket_id
    read = engine.answer_followup_link(link.token, FollowUpAnswer(rating=5, fixed=True))
    assert (read.state, read.channel, read.rating, read.fixed) == (
        FollowUpState.answered, Channel.link, 5, True)
    ticket = engine.get_ticket(ticket_id)
    assert ticket.status is Status.closed and ticket.closed_at is not None
    with pytest.raises(Gone, match="already answered"):
        engine.answer_followup_link(link.token, FollowUpAnswer(rating=1, fixed=False))
    with pytest.raises(Gone):
        engine.followup_by_token(link.token)


def test_the_token_is_stored_only_hashed(engine: Engine) -> None:
    """The database holds the sha256 of the token, never the token."""
    from sqlalchemy import select

    from dispatcher.followups.models import FollowUp
    from dispatcher.followups.service import hash_token
    ticket_id = _done(engine)
    link = engine.issue_followup_link(ticket_id)
    with engine.sessions() as s:
        stored = s.scalars(select(FollowUp.token_hash)).one()
    assert stored == hash_token(link.token) and link.token not in stored


def test_a_new_link_replaces_the_old_one(engine: Engine) -> None:
    ticket_id = _done(engine)
    old = engine.issue_followup_link(ticket_id)
    new = engine.issue_followup_link(ticket_id)
    with pytest.raises(NotFound, match="not valid"):
        engine.followup_by_token(old.token)
    assert engine.followup_by_token(new.token).ticket_id == ticket_id


def test_an_unknown_token_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        engine.followup_by_token("no-such-token")


def test_expiry_closes_the_ticket_on_the_next_tick(engine: Engine, clock: ManualClock) -> None:
    """72 h without an answer: the tick expires the follow-up and closes the ticket; a link
    issued before is then gone."""
    ticket_id = _done(engine)
    link = engine.issue_followup_link(ticket_id)
    clock.advance(timedelta(hours=71, minutes=59))
    engine.tick()
    assert engine.get_followup(ticket_id).state is FollowUpState.pending
    clock.advance(timedelta(minutes=1))
    engine.tick()
    assert engine.get_followup(ticket_id).state is FollowUpState.expired
    assert engine.get_ticket(ticket_id).status is Status.closed
    with pytest.raises(Gone, match="expired"):
        engine.answer_followup_link(link.token, FollowUpAnswer(rating=4, fixed=True))


def test_a_link_past_expiry_is_gone_even_before_the_tick(engine: Engine,
                                                         clock: ManualClock) -> None:
    ticket_id = _done(engine)
    link = engine.issue_followup_link(ticket_id)
    clock.advance(timedelta(hours=73))
    with pytest.raises(Gone, match="expired"):
        engine.followup_by_token(link.token)


def test_phone_follow_up_and_the_pending_list_overdue_first(engine: Engine,
                                                            clock: ManualClock) -> None:
    """The front desk's list: pending only, earliest due first, overdue flagged."""
    first = _done(engine)
    clock.advance(timedelta(hours=2))
    second = engine.create_ticket(builders.ticket(category=Category.electric))
    complete(engine, second.id)
    clock.advance(timedelta(hours=23))
    pending = engine.list_followups(FollowUpState.pending)
    assert [f.ticket_id for f in pending] == [first, second.id]
    assert [f.overdue for f in pending] == [True, False]
    read = engine.answer_followup_phone(first, PhoneAnswer(rating=3, fixed=True, by="Zhou"))
    assert (read.channel, read.answered_by) == (Channel.phone, "Zhou")
    assert [f.ticket_id for f in engine.list_followups(FollowUpState.pending)] == [second.id]


def test_a_ticket_not_completed_has_no_follow_up(engine: Engine) -> None:
    t = engine.create_ticket(builders.ticket())
    with pytest.raises(NotFound, match="no follow-up"):
        engine.get_followup(t.id)
