"""The maintenance plan table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime
from dispatcher.enums import Category


class MaintenancePlan(Base):
    """Visit an asset every `cadence_days`, on its due date ± `tolerance_days`."""

    __tablename__ = "maintenance_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=16))
    service_minutes: Mapped[int] = mapped_column(Integer)
    cadence_days: Mapped[int] = mapped_column(Integer)
    tolerance_days: Mapped[int] = mapped_column(Integer)
    next_due: Mapped[datetime] = mapped_column(UtcDateTime)
    last_done: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Items of an inspection round (`dispatcher.inspections.checklist.ChecklistItem`).
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
