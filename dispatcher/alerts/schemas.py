"""Alert output and acknowledgement input."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.alerts.models import AlertKind, AlertState
from dispatcher.messages import Said
from dispatcher.schemas import Strict


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AlertKind
    state: AlertState
    level: int
    ticket_id: int | None
    technician_id: int | None
    milestones: str
    message: Said
    opened_at: datetime
    updated_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    escalated_at: datetime | None
    resolved_at: datetime | None


class AlertAck(Strict):
    by: str = Field("dispatcher", min_length=1, max_length=128)
