"""The photo table: one row per upload; the file itself is named by its SHA-256."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class PhotoTag(StrEnum):
    before = "before"
    after = "after"
    inspection = "inspection"  # evidence of a checklist answer
    resident = "resident"  # the fault as the resident reported it


class Photo(Base):
    """A photo of a ticket's work; several rows may share one file (same content)."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    tag: Mapped[PhotoTag] = mapped_column(Enum(PhotoTag, native_enum=False, length=16))
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
