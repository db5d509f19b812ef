"""The override table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class Pin(Base):
    """A ticket pinned to a technician by a dispatcher, with who, when and why."""

    __tablename__ = "pins"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
