"""The follow-up table: one per completed reactive ticket."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class FollowUpState(StrEnum):
    pending = "pending"
    answered = "answered"
    expired = "expired"


class Channel(StrEnum):
    link = "link"  # the resident, through the one-time link
    phone = "phone"  # the front desk, by phone
    app = "app"  # the resident, in the resident's app (his unit's link)


class FollowUp(Base):
    """Did the repair hold, and how does the resident rate it? Closes the ticket's loop."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[FollowUpState] = mapped_column(
        Enum(FollowUpState, native_enum=False, length=16), index=True)
    channel: Mapped[Channel | None] = mapped_column(Enum(Channel, native_enum=False, length=16))
    rating: Mapped[int | None] = mapped_column(Integer)
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    rework_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # sha256 of the one-time link token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
