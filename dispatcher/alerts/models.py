"""The alert table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class AlertKind(StrEnum):
    predicted_breach = "predicted_breach"  # the plan's ETA or completion is past a deadline
    at_risk = "at_risk"  # less than the margin left before a deadline, milestone not reached
    breached = "breached"  # a deadline passed without its milestone
    unassigned = "unassigned"  # a ticket without a technician for too long
    stale_gps = "stale_gps"  # a technician on shift without a GPS fix for too long
    recurring_fault = "recurring_fault"  # repeated faults at one place (dispatcher.recurring)
    checkin_far = "checkin_far"  # a check-in away from the ticket's location and site
    login_lockout = "login_lockout"  # an account locked after repeated wrong passwords


# Raised by an action, not found by the monitor: they stay until a dispatcher acknowledges them.
REPORTED_KINDS = frozenset({AlertKind.checkin_far, AlertKind.login_lockout})


class AlertState(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"  # the condition cleared ("recovered") or the ticket closed


class Alert(Base):
    """One alert; at most one not-resolved alert per (kind, ticket or technician)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(Enum(AlertKind, native_enum=False, length=24))
    state: Mapped[AlertState] = mapped_column(
        Enum(AlertState, native_enum=False, length=16), index=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    milestones: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acked_by: Mapped[str | None] = mapped_column(String(128))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
