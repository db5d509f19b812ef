"""The recurring-fault table: a detected repeat and the root-cause fix proposed for it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime
from dispatcher.enums import Category


class Scope(StrEnum):
    asset = "asset"
    unit = "unit"
    building = "building"


class RecurringState(StrEnum):
    open = "open"  # proposed; a dispatcher has not decided
    accepted = "accepted"  # the root-cause ticket was created
    dismissed = "dismissed"


class RecurringFault(Base):
    """At least `threshold` faults of one category at one place within the window."""

    __tablename__ = "recurring_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[Scope] = mapped_column(Enum(Scope, native_enum=False, length=16))
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=16))
    site_id: Mapped[str | None] = mapped_column(String(64))
    building: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    ticket_ids: Mapped[list[int]] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[RecurringState] = mapped_column(
        Enum(RecurringState, native_enum=False, length=16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    root_cause_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
