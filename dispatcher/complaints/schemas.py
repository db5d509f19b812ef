"""Complaints in and out: the resident files one; the desk answers it step by step."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.complaints.models import ComplaintState
from dispatcher.enums import ComplaintTopic
from dispatcher.schemas import Strict


class ComplaintCreate(Strict):
    """A complaint from the resident's app; the place is the link's unit."""

    topic: ComplaintTopic
    text: str = Field(min_length=1, max_length=2000)


class DeskStep(Strict):
    """The desk's answer at a step: who, and (to explain or close) what the resident reads."""

    by: str = Field("desk", min_length=1, max_length=64)
    text: str = Field("", max_length=2000)


class ComplaintRead(BaseModel):
    """A complaint with its deadlines, milestones and the desk's answers."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: str
    building: str
    unit: str
    topic: ComplaintTopic
    text: str
    state: ComplaintState
    made_at: datetime
    acknowledge_by: datetime
    explain_by: datetime
    close_by: datetime
    acknowledged_at: datetime | None
    explained_at: datetime | None
    closed_at: datetime | None
    handled_by: str | None
    explanation: str | None
    outcome: str | None
    overdue: list[str] = Field(default_factory=list,
                               description="milestones past their deadline and not reached")
