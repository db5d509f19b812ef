"""Audit output and its filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    """A change: who (account, role, address), when, what (action, subject, request), and the
    subject's state before and after."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_id: int
    role: str
    address: str
    action: str
    subject: str
    status_code: int
    request: Any
    before: Any
    after: Any


class AuditQuery(BaseModel):
    """Filters: each given one narrows the list (newest first)."""

    actor: str | None = None
    subject: str | None = None  # "ticket:12", or "ticket" for every ticket
    action: str | None = None  # a part of the action, e.g. "cancel" or "PATCH"
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
