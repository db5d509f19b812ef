"""The crew table: a crew ticket's second, third... technician and his progress.

The first member is the ticket itself (its `technician_id` and `status`), so everything that
reads one-person tickets reads a crew's lead unchanged; `Ticket.crew_size` says how many.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime
from dispatcher.enums import Skill, Status


class CrewMember(Base):
    """Member `member` (2..N) of ticket `ticket_id`'s crew: his skill, who the plan gave the
    place to, and how far he is (new, assigned, accepted, en_route, on_site)."""

    __tablename__ = "crew_members"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    member: Mapped[int] = mapped_column(Integer, primary_key=True)
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=16))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    status: Mapped[Status] = mapped_column(Enum(Status, native_enum=False, length=16),
                                           default=Status.new)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    planned_eta: Mapped[datetime | None] = mapped_column(UtcDateTime)
    planned_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
