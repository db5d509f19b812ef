"""The site table."""

from __future__ import annotations

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base

DEFAULT_REGION = "default"


class Site(Base):
    """A compound: its name, the region that plans it, its centre and outline (lon, lat)."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(64), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    outline: Mapped[list[list[float]] | None] = mapped_column(JSON)
