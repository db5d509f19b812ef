"""The event table: the system of record of every accepted change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class Event(Base):
    """One change: a type such as ``ticket.created``, its payload and when it happened."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once the event is on the stream; a relay publishes what is still NULL (the outbox).
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "payload": self.payload,
                "at": self.at.isoformat()}
