"""The override table: every dispatcher decision the solver must respect, with its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime

# How a held ticket's unassigned reason begins (the SLA monitor tells it from a failure).
HELD_BY = "held by"

class OverrideKind(StrEnum):
    pin = "pin"  # this ticket goes to this technician
    hold = "hold"  # this ticket stays unassigned until released
    move = "move"  # this ticket goes to this technician, at this position of his route
    lock = "lock"  # this technician's route stays exactly as it is until `until`


class Reason(StrEnum):
    resident_request = "resident_request"
    technician_familiar = "technician_familiar"
    parts = "parts"
    other = "other"
    emergency = "emergency"  # the planner pre-empted this technician for the ticket


class Override(Base):
    """One override; live while not cleared and not expired."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OverrideKind] = mapped_column(Enum(OverrideKind, native_enum=False, length=8))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    # The crew place a pin or move is for: None (or 1) the ticket's own technician, 2..N a
    # partner's place (`dispatcher.crews`).
    member: Mapped[int | None] = mapped_column(Integer)
    sequence: Mapped[list[int] | None] = mapped_column(JSON)  # a locked route's tickets
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[Reason] = mapped_column(Enum(Reason, native_enum=False, length=24))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    cleared_by: Mapped[str | None] = mapped_column(String(128))

    def live(self, now: datetime) -> bool:
        return self.cleared_at is None and (self.until is None or self.until > now)
