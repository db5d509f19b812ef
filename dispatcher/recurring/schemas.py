"""Recurring-fault output and the dispatcher's decision."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.enums import Category
from dispatcher.recurring.models import RecurringState, Scope
from dispatcher.schemas import Strict


class RecurringRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    scope: Scope
    category: Category
    site_id: str | None
    building: str | None
    unit: str | None
    asset_id: int | None
    ticket_ids: list[int]
    count: int
    first_at: datetime
    last_at: datetime
    state: RecurringState
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    alert_id: int | None
    root_cause_ticket_id: int | None


class Decision(Strict):
    """Who accepts or dismisses a proposed root-cause fix."""

    by: str = Field("dispatcher", min_length=1, max_length=128)
