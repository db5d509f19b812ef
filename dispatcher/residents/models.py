"""The unit link table: what a QR code on a notice opens, one unit's reports and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class UnitLink(Base):
    """A unit's link: its token is signed with the server's key over the id and `salt`, so it
    is never stored; revoking it (a tenant moved out, a notice torn down) stops it at once."""

    __tablename__ = "unit_links"
    __table_args__ = (Index("ix_unit_links_unit", "site_id", "building", "unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    building: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)  # where the unit's reports are placed
    lon: Mapped[float] = mapped_column(Float)
    salt: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
