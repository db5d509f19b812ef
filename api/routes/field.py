"""The technician app's ticket flow: accept, start, check in, complete, resident not home.

A technician may act only on tickets assigned to him (403); dispatchers on any. Each works with
an `Idempotency-Key`, so the app's offline queue can resend safely.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, EngineDep, Id
from dispatcher.fieldwork.schemas import (
    CheckIn,
    CheckInResult,
    Completion,
    CompletionResult,
    NotHome,
    Progress,
)
from dispatcher.tickets.schemas import TicketRead

router = APIRouter(prefix="/tickets", tags=["field work"])


@router.post("/{ticket_id}/accept")
def accept(ticket_id: Id, engine: EngineDep, user: CurrentUser,
           body: Progress | None = None) -> TicketRead:
    """Take an assigned ticket (the SLA's respond milestone)."""
    return engine.field.accept(ticket_id, body or Progress(), by=user)


@router.post("/{ticket_id}/start")
def start(ticket_id: Id, engine: EngineDep, user: CurrentUser,
          body: Progress | None = None) -> TicketRead:
    """Set off to the ticket (en_route); accepts it first if it was only assigned."""
    return engine.field.start(ticket_id, body or Progress(), by=user)


@router.post("/{ticket_id}/check-in")
def check_in(ticket_id: Id, body: CheckIn, engine: EngineDep,
             user: CurrentUser) -> CheckInResult:
    """On site at the device's position; far from the ticket it is taken with a warning and
    flagged to the dispatcher."""
    return engine.field.check_in(ticket_id, body, by=user)


@router.post("/{ticket_id}/complete")
def complete(ticket_id: Id, body: Completion, engine: EngineDep,
             user: CurrentUser) -> CompletionResult:
    """Work done; `fixed: false` opens a linked follow-up ticket, returned as `follow_up`."""
    return engine.field.complete(ticket_id, body, by=user)


@router.post("/{ticket_id}/not-home")
def not_home(ticket_id: Id, engine: EngineDep, user: CurrentUser,
             body: NotHome | None = None) -> TicketRead:
    """Resident not home: back to `new` and held off routes until a dispatcher rebooks it."""
    return engine.field.not_home(ticket_id, body or NotHome(), by=user)
