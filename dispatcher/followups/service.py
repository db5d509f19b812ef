"""Follow-up verbs: open on completion, issue a link, answer, expire. They flush only."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.errors import Gone, NotFound
from dispatcher.events import service as events
from dispatcher.followups.models import Channel, FollowUp, FollowUpState
from dispatcher.followups.schemas import FollowUpAnswer
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket


def hash_token(token: str) -> str:
    """The stored form of a link token: a leaked table cannot be used to answer."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_for(session: Session, *, ticket: Ticket, due: timedelta, expire: timedelta,
             now: datetime) -> FollowUp:
    """The follow-up of a ticket just completed, due and expiring counted from completion."""
    done = ticket.completed_at or now
    followup = FollowUp(ticket_id=ticket.id, created_at=done, due_at=done + due,
                        expires_at=done + expire, state=FollowUpState.pending, comment="")
    session.add(followup)
    session.flush()
    events.record(session, type="followup.created", at=now,
                  payload={"followup_id": followup.id, "ticket_id": ticket.id,
                           "due_at": followup.due_at.isoformat()})
    return followup


def of_ticket(session: Session, *, ticket_id: int) -> FollowUp:
    """The follow-up of a ticket, or `NotFound` (only completed reactive tickets have one)."""
    followup = session.scalars(select(FollowUp).where(FollowUp.ticket_id == ticket_id)).first()
    if followup is None:
        tickets.get(session, ticket_id=ticket_id)
        raise NotFound(f"ticket {ticket_id} has no follow-up (it is not completed, or it is "
                       "preventive maintenance)", field="ticket_id")
    return followup


def issue_link(session: Session, *, ticket_id: int, now: datetime) -> tuple[FollowUp, str]:
    """A new one-time token for a pending follow-up; any earlier link stops working."""
    followup = of_ticket(session, ticket_id=ticket_id)
    check_pending(followup, now)
    token = secrets.token_urlsafe(24)
    followup.token_hash, followup.link_issued_at = hash_token(token), now
    session.flush()
    return followup, token


def by_token(session: Session, *, token: str, now: datetime) -> FollowUp:
    """The follow-up a link token opens; `Gone` once used or expired."""
    followup = session.scalars(
        select(FollowUp).where(FollowUp.token_hash == hash_token(token))).first()
    if followup is None:
        raise NotFound("this follow-up link is not valid (mistyped, or replaced by a newer "
                       "link)", field="token")
    check_pending(followup, now)
    return followup


def answer(session: Session, *, followup: FollowUp, data: FollowUpAnswer, channel: Channel,
           by: str | None, now: datetime, rework_ticket_id: int | None = None) -> FollowUp:
    """Record the answer and close the ticket; a "not fixed" answer names its rework ticket
    (made by the caller, `closed_loop.answer_followup`)."""
    check_pending(followup, now)
    followup.state, followup.channel, followup.answered_at = FollowUpState.answered, channel, now
    followup.rating, followup.fixed, followup.comment = data.rating, data.fixed, data.comment
    followup.answered_by, followup.rework_ticket_id = by, rework_ticket_id
    ticket = tickets.get(session, ticket_id=followup.ticket_id)
    tickets.close(session, ticket=ticket, now=now, why=f"follow-up answered ({channel.value})")
    events.record(session, type="followup.answered", at=now, payload={
        "followup_id": followup.id, "ticket_id": ticket.id, "rating": data.rating,
        "fixed": data.fixed, "channel": channel.value, "region": ticket.region,
        "rework_ticket_id": followup.rework_ticket_id})
    session.flush()
    return followup


def expire_due(session: Session, *, now: datetime) -> list[FollowUp]:
    """Expire the pending follow-ups past their expiry and close their tickets (the policy)."""
    stale = list(session.scalars(select(FollowUp).where(
        FollowUp.state == FollowUpState.pending, FollowUp.expires_at <= now)))
    for followup in stale:
        followup.state = FollowUpState.expired
        ticket = tickets.get(session, ticket_id=followup.ticket_id)
        tickets.close(session, ticket=ticket, now=now, why="follow-up expired")
        events.record(session, type="followup.expired", at=now,
                      payload={"followup_id": followup.id, "ticket_id": ticket.id})
    session.flush()
    return stale


def list_(session: Session, *, state: FollowUpState | None = None) -> list[FollowUp]:
    """Follow-ups, earliest due first (so the overdue ones lead), optionally in one state."""
    query = select(FollowUp).order_by(FollowUp.due_at, FollowUp.id)
    if state is not None:
        query = query.where(FollowUp.state == state)
    return list(session.scalars(query))


def check_pending(followup: FollowUp, now: datetime) -> None:
    """`Gone` unless the follow-up still waits for its answer."""
    if followup.state is FollowUpState.answered:
        when = followup.answered_at.isoformat() if followup.answered_at else "earlier"
        raise Gone(f"this follow-up was already answered ({when}); thank you", field="token")
    if followup.state is FollowUpState.expired or followup.expires_at <= now:
        raise Gone("this follow-up has expired", field="token")
