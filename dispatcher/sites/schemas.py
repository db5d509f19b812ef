"""Site input and output."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from shapely.geometry import Polygon

from dispatcher.schemas import Latitude, Longitude, Strict
from dispatcher.sites.models import DEFAULT_REGION

Ring = list[tuple[float, float]]


class SiteCreate(Strict):
    """A compound; `outline` is a ring of [lon, lat] points (GeoJSON order)."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=128)
    region: str = Field(DEFAULT_REGION, min_length=1, max_length=64)
    lat: Latitude
    lon: Longitude
    outline: list[tuple[Longitude, Latitude]] | None = None

    @field_validator("outline")
    @classmethod
    def _valid_ring(cls, ring: Ring | None) -> Ring | None:
        if ring is not None and (len(ring) < 3 or not Polygon(ring).is_valid):
            raise ValueError("outline must be a simple polygon of at least 3 [lon, lat] points")
        return ring


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    region: str
    lat: float
    lon: float
    # A list, not a tuple: Schemathesis 4 misreads a tuple's `prefixItems` in a response.
    outline: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None
