"""Technician input and output shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator, model_validator
from shapely.geometry import Polygon

from dispatcher.enums import Skill, TechState
from dispatcher.schemas import AwareDatetime, Latitude, LocalTime, Longitude, Strict


class Shift(Strict):
    """A daily shift in the company's local time; end before start runs past midnight."""

    start: LocalTime
    end: LocalTime


class Position(Strict):
    """A WGS84 point."""

    lat: Latitude
    lon: Longitude


class HomeArea(Strict):
    """The sites and zones a technician knows: work elsewhere costs the planner
    `DISPATCH_AREA_PENALTY_MIN` travel minutes, or is barred (`strict`) except emergencies."""

    sites: list[str] = Field(default_factory=list, max_length=100,
                             description="site ids (`GET /sites`)")
    polygons: list[list[Position]] = Field(
        default_factory=list, max_length=50,
        description="zones, each a ring of at least 3 points (lat, lon)")
    strict: bool = Field(False, description="keep him inside: only emergencies take him out")

    @field_validator("polygons")
    @classmethod
    def _rings(cls, polygons: list[list[Position]]) -> list[list[Position]]:
        for k, ring in enumerate(polygons):
            if len(ring) < 3 or not Polygon([(p.lon, p.lat) for p in ring]).is_valid:
                raise ValueError(f"polygon {k} must be a simple ring of at least 3 points")
        return polygons

    @model_validator(mode="after")
    def _something(self) -> HomeArea:
        if not self.sites and not self.polygons:
            raise ValueError("give sites or polygons (or clear the area instead)")
        return self


class TechnicianCreate(Strict):
    """A technician to add."""

    name: str = Field(min_length=1, max_length=128)
    skills: list[Skill] = Field(min_length=1)
    shift: Shift
    home: Position
    region: str = Field("default", min_length=1, max_length=64)
    home_area: HomeArea | None = None

    @field_validator("skills")
    @classmethod
    def _unique(cls, skills: list[Skill]) -> list[Skill]:
        return sorted(set(skills), key=lambda s: s.value)


class PositionUpdate(Strict):
    """A GPS fix."""

    lat: Latitude
    lon: Longitude
    at: AwareDatetime | None = Field(None, description="defaults to now")


class TechnicianRead(BaseModel):
    """A technician with his state and the ticket in hand."""

    id: int
    name: str
    skills: list[Skill]
    region: str
    shift: Shift
    home: Position
    position: Position
    position_at: datetime | None
    state: TechState
    on_shift: bool
    ticket_id: int | None
    home_area: HomeArea | None = None


class PositionAccepted(BaseModel):
    """A GPS fix taken (202): his live position at once, in the database and the plan's view
    within a few hundred milliseconds."""

    technician_id: int
    lat: float
    lon: float
    at: datetime
    applied: bool = Field(description="false: a newer fix is already live; this one only "
                                      "joins his track. With several servers behind one "
                                      "address, as the answering server knows it (the live "
                                      "position is the newest fix either way)")
