"""Shapes of the technician app's requests and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from dispatcher.crews.models import CrewMember
from dispatcher.enums import Category, Status, Urgency
from dispatcher.fieldwork import navigation
from dispatcher.fieldwork.navigation import NavLink
from dispatcher.schemas import AwareDatetime, Latitude, Longitude, Strict
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import CrewSeat, TicketRead, Window


class Progress(Strict):
    """Accept or start: optionally when it happened (an offline queue replays later)."""

    at: AwareDatetime | None = None


class CheckIn(Strict):
    """The device's position when the technician says he is on site."""

    lat: Latitude
    lon: Longitude
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    at: AwareDatetime | None = None


class CheckInResult(BaseModel):
    """The check-in is always taken; `inside` false flags it to the dispatcher."""

    ticket: TicketRead
    inside: bool
    inside_site: bool | None
    distance_m: float
    radius_m: float
    warning: str | None


class Part(Strict):
    name: str = Field(min_length=1, max_length=200)
    qty: float = Field(1, gt=0, le=10_000)


class Completion(Strict):
    """What was done; `fixed` false means another visit is needed (a follow-up ticket)."""

    notes: str = Field("", max_length=4000)
    parts: list[Part] = Field(default_factory=list, max_length=100)
    fixed: bool = True
    at: AwareDatetime | None = None


class CompletionResult(BaseModel):
    ticket: TicketRead
    follow_up: TicketRead | None


class NotHome(Strict):
    note: str | None = Field(None, max_length=2000)
    at: AwareDatetime | None = None


class RouteStop(BaseModel):
    """One stop of a technician's route: the ticket, where, by when, and when he gets there."""

    position: int
    ticket_id: int
    status: Status
    urgency: Urgency
    category: Category
    description: str
    site_id: str | None
    building: str | None
    unit: str | None
    lat: float
    lon: float
    eta: datetime | None
    start: datetime | None
    end: datetime | None
    in_progress: bool
    window: Window | None
    respond_by: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None
    predicted_late_minutes: float | None
    accepted_at: datetime | None
    en_route_at: datetime | None
    on_site_at: datetime | None
    not_home_count: int
    site_name: str | None = Field(None, description="the compound's name, for people")
    nav: list[NavLink] = Field(
        default_factory=list, description="links that open the stop in each map app the "
        "company chose (DISPATCH_NAV_LINKS), its point converted to the app's datum")

    member: int = Field(1, description="on a crew ticket, which member he is (1: the "
                        "ticket's own technician); status and times are then his own")
    crew: list[CrewSeat] = Field(default_factory=list, description="on a crew ticket, every "
                                 "member: his partners and how far each is")

    @classmethod
    def of(cls, position: int, t: Ticket, in_progress: bool,
           map_apps: Sequence[str] = (), site_names: Mapping[str, str] | None = None,
           seat: CrewMember | None = None) -> RouteStop:
        """The stop of ticket `t`; `seat`: his place as a crew partner, whose progress and
        planned times are shown instead of the ticket's."""
        read = TicketRead.of(t)
        site = (site_names or {}).get(t.site_id or "")
        label = " ".join(p for p in (site, t.building, t.unit) if p) or f"#{t.id}"
        fields = read.model_dump(include={
            "status", "urgency", "category", "description", "site_id", "building", "unit", "lat",
            "lon", "window", "respond_by", "arrive_by", "resolve_by", "accepted_at",
            "en_route_at", "on_site_at", "not_home_count", "crew"})
        own: Ticket | CrewMember = t
        if seat is not None:
            own = seat
            fields.update(status=seat.status, accepted_at=seat.accepted_at,
                          en_route_at=seat.en_route_at, on_site_at=seat.on_site_at)
        return cls(position=position, ticket_id=t.id, in_progress=in_progress, site_name=site,
                   nav=navigation.links(t.lat, t.lon, label, map_apps),
                   eta=own.planned_eta, start=own.planned_start, end=own.planned_end,
                   predicted_late_minutes=read.assignment.predicted_late_minutes,
                   member=seat.member if seat is not None else 1, **fields)


class RouteRead(BaseModel):
    """A technician's open tickets in the planned order."""

    technician_id: int
    plan_version: int | None
    computed_at: datetime | None
    stops: list[RouteStop]
