"""Follow-up input and output."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.enums import Category
from dispatcher.followups.models import Channel, FollowUp, FollowUpState
from dispatcher.schemas import Strict


class FollowUpAnswer(Strict):
    """The resident's answer: a rating and whether the fault is fixed."""

    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (very good)")
    fixed: bool
    comment: str = Field("", max_length=2000)


class PhoneAnswer(FollowUpAnswer):
    """The front desk records the answer the resident gave on the phone."""

    channel: Literal["phone"] = "phone"
    by: str = Field("front-desk", min_length=1, max_length=128)


class FollowUpRead(BaseModel):
    """A follow-up as the front desk sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    state: FollowUpState
    created_at: datetime
    due_at: datetime
    expires_at: datetime
    overdue: bool = False
    channel: Channel | None
    rating: int | None
    fixed: bool | None
    comment: str
    answered_at: datetime | None
    answered_by: str | None
    rework_ticket_id: int | None
    link_issued_at: datetime | None

    @classmethod
    def of(cls, f: FollowUp, now: datetime) -> FollowUpRead:
        """Build from a row; `overdue` = still pending after its due time."""
        read = cls.model_validate(f)
        read.overdue = f.state is FollowUpState.pending and f.due_at <= now
        return read


class FollowUpLink(BaseModel):
    """A freshly issued one-time link (the token is shown once and stored only hashed)."""

    followup_id: int
    ticket_id: int
    token: str
    url: str
    expires_at: datetime


class FollowUpPublic(BaseModel):
    """What the resident sees behind the link: which repair, nothing about the staff."""

    ticket_id: int
    category: Category
    building: str | None
    unit: str | None
    description: str
    completed_at: datetime | None
    expires_at: datetime
    state: FollowUpState
