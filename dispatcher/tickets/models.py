"""The ticket table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime
from dispatcher.enums import Category, Skill, Status, Urgency


class Ticket(Base):
    """A repair ticket, its SLA deadlines, its life-cycle timestamps and its planned assignment."""

    __tablename__ = "tickets"
    # One ticket per maintenance plan occurrence, even if two clocks generate at once.
    __table_args__ = (UniqueConstraint("maintenance_plan_id", "maintenance_due",
                                       name="uq_tickets_plan_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urgency: Mapped[Urgency] = mapped_column(Enum(Urgency, native_enum=False, length=16))
    category: Mapped[Category] = mapped_column(Enum(Category, native_enum=False, length=16))
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=16))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    site_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64), default="default", index=True)
    building: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    service_minutes: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[Status] = mapped_column(
        Enum(Status, native_enum=False, length=16), default=Status.new, index=True
    )
    respond_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
    arrive_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolve_by: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Life cycle: when each status was reached.
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # first arrival (SLA)
    work_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # current stint
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # The latest plan's view of it.
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    planned_eta: Mapped[datetime | None] = mapped_column(UtcDateTime)
    planned_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    predicted_late_s: Mapped[int | None] = mapped_column(Integer)
    plan_version: Mapped[int | None] = mapped_column(Integer)
    unassigned_reason: Mapped[str | None] = mapped_column(Text)

    # Field work: where he checked in, what he did, and visits that found nobody home.
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lon: Mapped[float | None] = mapped_column(Float)
    checkin_accuracy_m: Mapped[float | None] = mapped_column(Float)
    checkin_distance_m: Mapped[float | None] = mapped_column(Float)
    checkin_inside: Mapped[bool | None] = mapped_column(Boolean)
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    fixed_first_time: Mapped[bool | None] = mapped_column(Boolean)
    follow_up_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    not_home_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_home_note: Mapped[str | None] = mapped_column(Text)
    # The closed loop: what this ticket redoes, what it is about, which plan made it.
    rework_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    maintenance_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_plans.id"), index=True)
    maintenance_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Duplicates: the open ticket this report probably repeats (proposed, with the reason),
    # and the ticket whose job it joined once a dispatcher merged it.
    duplicate_candidate: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    duplicate_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Technicians the work needs together; the second and later are `crews.CrewMember` rows.
    crew_size: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A linked visit: not before ticket `follows_id` is completed plus the delay (the repair
    # after the inspection that found the fault, the second visit once the part is in), by
    # the technician who did it if `follows_same_technician`.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    follows_delay_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    follows_same_technician: Mapped[bool] = mapped_column(Boolean, default=False,
                                                          server_default=false())

    @property
    def preventive(self) -> bool:
        """Generated by a maintenance plan (no resident to follow up with)."""
        return self.maintenance_plan_id is not None

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if self.window_start is None or self.window_end is None:
            return None
        return (self.window_start, self.window_end)
