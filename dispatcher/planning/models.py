"""The plan table: every plan version the engine computed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class PlanVersion(Base):
    """One computed plan, stored whole as JSON with absolute times."""

    __tablename__ = "plans"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(64), default="default", index=True)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    solve_ms: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(64), default="")
    routes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    unassigned: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    objective: Mapped[dict[str, Any]] = mapped_column(JSON)
