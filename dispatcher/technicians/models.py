"""The technician table."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import JSON, Boolean, Float, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class Technician(Base):
    """A technician: skills, daily shift (local time), home base and last known position."""

    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    skills: Mapped[list[str]] = mapped_column(JSON)
    shift_start: Mapped[time] = mapped_column(Time)
    shift_end: Mapped[time] = mapped_column(Time)
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    region: Mapped[str] = mapped_column(String(64), default="default", index=True)
    # His home area (`schemas.HomeArea` as JSON): sites and zones he knows; work outside costs
    # the planner `area_penalty_min`, or is barred when `strict`. None: the whole region.
    home_area: Mapped[dict | None] = mapped_column(JSON)
    # The shift state the clock last saw (None before it first looked): an edge is an event.
    on_shift: Mapped[bool | None] = mapped_column(Boolean)
    # When he was added (None for rows older than the column): no GPS is expected before.
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def position(self) -> tuple[float, float]:
        """Last known position, or the home base before the first GPS fix."""
        if self.lat is None or self.lon is None:
            return (self.home_lat, self.home_lon)
        return (self.lat, self.lon)
