"""Inspection answers in and the round as the app and console read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dispatcher.inspections.checklist import ChecklistItem


class Answer(BaseModel):
    """One item's answer: `ok` for a check, `value` for a reading."""

    key: str = Field(max_length=64)
    ok: bool | None = None
    value: float | None = None
    note: str = Field("", max_length=2000)
    at: datetime | None = None


class AnswerRead(BaseModel):
    """What was found at an item, and the repair ticket it raised."""

    key: str
    ok: bool | None
    value: float | None
    abnormal: bool
    note: str
    photo_id: int | None
    raised_ticket_id: int | None
    answered_by: str
    answered_at: datetime


class ItemRead(ChecklistItem):
    """An item of the round with its answer, if given."""

    answer: AnswerRead | None = None


class InspectionRead(BaseModel):
    """An inspection ticket's round: every item, what is still to answer, the faults found."""

    ticket_id: int
    plan_id: int | None
    items: list[ItemRead]
    missing: list[str] = Field(description="keys of items not answered yet")
    faults: list[int] = Field(description="repair tickets the round raised")
