"""Asset input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.assets.models import AssetKind
from dispatcher.schemas import Latitude, Longitude, Strict, omittable


class AssetCreate(Strict):
    """A piece of equipment; `building`/`unit` place it inside the site when they apply."""

    kind: AssetKind
    name: str = Field(min_length=1, max_length=128)
    site_id: str | None = Field(None, max_length=64)
    building: str | None = Field(None, max_length=64)
    unit: str | None = Field(None, max_length=64)
    lat: Latitude
    lon: Longitude


class AssetUpdate(Strict):
    """Fields to change; the others keep their values."""

    kind: AssetKind = omittable()
    name: str = omittable(min_length=1, max_length=128)
    site_id: str | None = Field(None, max_length=64)
    building: str | None = Field(None, max_length=64)
    unit: str | None = Field(None, max_length=64)
    lat: Latitude = omittable()
    lon: Longitude = omittable()


class AssetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: AssetKind
    name: str
    site_id: str | None
    building: str | None
    unit: str | None
    lat: float
    lon: float
    created_at: datetime
