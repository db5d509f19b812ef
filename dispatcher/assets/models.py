"""The asset table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class AssetKind(StrEnum):
    elevator = "elevator"
    street_light = "street_light"
    stairwell_light = "stairwell_light"
    fire_system = "fire_system"
    water_tank = "water_tank"
    pump_room = "pump_room"  # the water and power plant
    fitness_equipment = "fitness_equipment"
    gate = "gate"
    riser_pipe = "riser_pipe"
    other = "other"


class Asset(Base):
    """A piece of a site's equipment: where it is and what it is."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AssetKind] = mapped_column(Enum(AssetKind, native_enum=False, length=24))
    name: Mapped[str] = mapped_column(String(128))
    site_id: Mapped[str | None] = mapped_column(String(64), index=True)
    building: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
