"""Shared schema pieces: positions and aware timestamps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must include a time zone, e.g. 2026-11-25T09:00:00+08:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS84 latitude, degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS84 longitude, degrees")]


class Strict(BaseModel):
    """Input models refuse unknown fields so a typo is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
