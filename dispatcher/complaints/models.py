"""The complaint table: one per complaint, with its three deadlines and milestones."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime
from dispatcher.enums import ComplaintTopic


class ComplaintState(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    explained = "explained"
    closed = "closed"


class Complaint(Base):
    """A resident's complaint about his home's service, with the desk's answers."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    building: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    topic: Mapped[ComplaintTopic] = mapped_column(Enum(ComplaintTopic, native_enum=False,
                                                       length=16))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[ComplaintState] = mapped_column(Enum(ComplaintState, native_enum=False,
                                                       length=16), index=True)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledge_by: Mapped[datetime] = mapped_column(UtcDateTime)
    explain_by: Mapped[datetime] = mapped_column(UtcDateTime)
    close_by: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    explained_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
