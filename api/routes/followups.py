"""Follow-ups (回访). `public_router` is the resident's side: no account, the one-time token is
the credential, so it must stay outside any authentication. `router` is the front desk's."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api import errors
from api.deps import EngineDep, Id
from dispatcher.followups.models import FollowUpState
from dispatcher.followups.schemas import (
    FollowUpAnswer,
    FollowUpLink,
    FollowUpPublic,
    FollowUpRead,
    PhoneAnswer,
)

PAGE = Path(__file__).resolve().parent.parent.parent / "pwa" / "followup" / "index.html"

public_router = APIRouter(prefix="/followup", tags=["follow-up (public)"])
page_router = APIRouter(tags=["follow-up (public)"])
router = APIRouter(tags=["follow-ups"])


@public_router.get("/{token}", responses=errors.declare(410))
def followup_by_token(token: str, engine: EngineDep) -> FollowUpPublic:
    """Which repair the link is about; 404 unknown link, 410 already answered or expired."""
    return engine.followup_by_token(token)


@public_router.post("/{token}", responses=errors.declare(410))
def answer_by_token(token: str, body: FollowUpAnswer, engine: EngineDep) -> FollowUpRead:
    """The resident's rating and "is it fixed?"; the link is spent (a second use is a 410)."""
    return engine.answer_followup_link(token, body)


@page_router.get("/followup/{token}", include_in_schema=False)
def followup_page(token: str) -> FileResponse:
    """The resident's page (zh-CN / en); it reads the token from its own address."""
    return FileResponse(PAGE, media_type="text/html")


@router.get("/followups")
def list_followups(engine: EngineDep, state: FollowUpState | None = None) -> list[FollowUpRead]:
    """Earliest due first, overdue flagged; `state=pending` is the front desk's call list."""
    return engine.list_followups(state)


@router.get("/tickets/{ticket_id}/followup")
def get_followup(ticket_id: Id, engine: EngineDep) -> FollowUpRead:
    return engine.get_followup(ticket_id)


@router.post("/tickets/{ticket_id}/followup", responses=errors.declare(410))
def phone_followup(ticket_id: Id, body: PhoneAnswer, engine: EngineDep) -> FollowUpRead:
    """Record a phone follow-up; fixed closes the ticket, not fixed reopens it as rework."""
    return engine.answer_followup_phone(ticket_id, body)


@router.post("/tickets/{ticket_id}/followup/link")
def issue_link(ticket_id: Id, engine: EngineDep) -> FollowUpLink:
    """Issue the resident's one-time link (shown once; an earlier link stops working)."""
    return engine.issue_followup_link(ticket_id)
