"""What a resident sends and sees: one unit's reports, with nothing of anyone else's."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from dispatcher.enums import Category, Status, Urgency
from dispatcher.messages import Said
from dispatcher.schemas import Latitude, Longitude, Strict
from dispatcher.tickets.schemas import Window

MAX_PHOTOS = 3  # a resident's photos per report


class UnitRead(BaseModel):
    """The unit a link opens."""

    site_id: str
    site_name: str
    building: str
    unit: str


class ResidentReport(Strict):
    """A repair reported from the resident's app; the place is the link's unit."""

    category: Category
    description: str = Field(min_length=1, max_length=2000)
    urgent: bool = Field(False, description="an emergency: water pouring, no power, gas smell")
    window: Window | None = Field(None, description="a preferred time for non-urgent work")


class Reopen(Strict):
    """The fault is back after the repair."""

    comment: str = Field("", max_length=2000)


class Progress(StrEnum):
    """Where a report stands, as the resident follows it."""

    received = "received"      # reported, not yet given to anyone
    assigned = "assigned"      # a technician has it on his route
    accepted = "accepted"      # he took it
    on_the_way = "on_the_way"
    on_site = "on_site"
    done = "done"              # completed: the follow-up asks how it went
    closed = "closed"
    cancelled = "cancelled"


class ResidentTicket(BaseModel):
    """A report of the unit as its resident sees it: deadlines, who, when, and the loop."""

    id: int
    urgency: Urgency
    category: Category
    status: Status
    progress: Progress
    description: Said
    reported_at: datetime
    window: Window | None
    respond_by: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None
    technician: str | None = Field(description="the technician's name once assigned")
    eta: datetime | None = Field(description="planned arrival, while he is still to come")
    accepted_at: datetime | None
    on_site_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    photos: int
    followup: str | None = Field(description="pending | answered | expired")
    rating: int | None
    reopen_until: datetime | None = Field(description="the fault back? reopen it until then")
    rework_of: int | None
    reworks: list[int] = Field(description="tickets that redo this one")


class LinkIssue(Strict):
    """Links for units of one building (a sheet of QR codes to print)."""

    site_id: str = Field(min_length=1, max_length=64)
    building: str = Field(min_length=1, max_length=64)
    units: list[str] = Field(min_length=1, max_length=400)
    lat: Latitude | None = Field(None, description="the building; defaults to the site's centre")
    lon: Longitude | None = None


class LinkRead(BaseModel):
    """A unit's link with its token, for the office (the QR code's content)."""

    id: int
    site_id: str
    building: str
    unit: str
    url: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
