"""The audit table: appended to, never changed (no API or CLI verb edits or deletes a row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class AuditEntry(Base):
    """One change made by a person through the API."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128), index=True)  # "POST /api/v1/tickets"
    subject: Mapped[str] = mapped_column(String(64), index=True)  # "ticket:12", "site:north"
    status_code: Mapped[int] = mapped_column(Integer)
    request: Mapped[Any] = mapped_column(JSON, nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
