"""Ticket input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatcher.crews import service as crews
from dispatcher.enums import Category, Skill, Status, Urgency
from dispatcher.messages import MaybeSaid, Said
from dispatcher.schemas import AwareDatetime, DbId, Latitude, Longitude, Strict
from dispatcher.tickets.models import Ticket


class Window(Strict):
    """An appointment window: the technician must arrive between start and end."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("window.end must be after window.start")
        return self


class Merge(Strict):
    """Join another open ticket's job: the same fault reported again."""

    into: DbId


class Follows(Strict):
    """A linked visit: this ticket is not worked before ticket `ticket_id` is completed plus
    `delay_minutes` (the repair after the inspection that found the fault, the second visit
    once the part is in), by the technician who did it if `same_technician`."""

    ticket_id: DbId
    delay_minutes: int = Field(0, ge=0, le=30 * 24 * 60)
    same_technician: bool = False


class TicketCreate(Strict):
    """A new ticket as a resident or the front desk reports it."""

    urgency: Urgency
    category: Category
    skill: Skill | None = Field(None, description="defaults to the category's skill")
    lat: Latitude
    lon: Longitude
    site_id: str | None = Field(None, max_length=64)
    building: str | None = Field(None, max_length=64)
    unit: str | None = Field(None, max_length=64)
    description: str = Field("", max_length=4000)
    service_minutes: int | None = Field(None, ge=1, le=24 * 60)
    reported_at: AwareDatetime | None = Field(None, description="defaults to now")
    window: Window | None = None
    asset_id: DbId | None = Field(None, description="the asset the fault is on, if known")
    crew: list[Skill] | None = Field(
        None, min_length=1, max_length=6, description="the skills of the technicians the work "
        "needs together, one per person, the ticket's own among them (defaults to the SLA "
        "policy's crew for the urgency and category: a fire alarm needs fire + general)")
    follows: Follows | None = Field(None, description="a linked visit: the ticket this one "
                                    "waits for")

    @model_validator(mode="after")
    def _window_fits_urgency(self) -> TicketCreate:
        if self.urgency is Urgency.scheduled and self.window is None:
            raise ValueError("window is required for scheduled tickets")
        if self.urgency is Urgency.emergency and self.window is not None:
            raise ValueError("window is not allowed on emergency tickets")
        return self


class StatusChange(Strict):
    """A technician's report of progress on a ticket."""

    status: Status
    at: AwareDatetime | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    fixed: bool | None = Field(None, description="with `completed` only: false = another "
                                                 "visit is needed (a linked rework ticket)")
    notes: str | None = Field(None, max_length=4000, description="with `completed` only")

    @model_validator(mode="after")
    def _position_pair(self) -> StatusChange:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if self.status is not Status.completed and (self.fixed is not None
                                                    or self.notes is not None):
            raise ValueError("fixed and notes go with status completed only")
        return self


class Assignment(BaseModel):
    """The latest plan's view of a ticket."""

    technician_id: int | None
    eta: datetime | None
    start: datetime | None
    end: datetime | None
    predicted_late_minutes: float | None
    plan_version: int | None
    unassigned_reason: MaybeSaid


class CrewSeat(BaseModel):
    """One technician of a crew ticket: who, with which skill, and how far he is."""

    member: int = Field(description="1 is the ticket's own technician")
    skill: Skill
    technician_id: int | None
    name: str | None
    status: Status = Field(description="his own progress: assigned, accepted, en_route, "
                           "on_site (the ticket's status for member 1)")
    on_site_at: datetime | None
    eta: datetime | None


class TicketRead(BaseModel):
    """A ticket with its deadlines and assignment."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    urgency: Urgency
    category: Category
    skill: Skill
    lat: float
    lon: float
    site_id: str | None
    region: str
    building: str | None
    unit: str | None
    description: Said
    service_minutes: int
    reported_at: datetime
    window: Window | None
    status: Status
    respond_by: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None
    accepted_at: datetime | None
    en_route_at: datetime | None
    on_site_at: datetime | None
    work_started_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    rework_of: int | None
    asset_id: int | None
    maintenance_plan_id: int | None
    maintenance_due: datetime | None
    preventive: bool
    checkin_lat: float | None = None
    checkin_lon: float | None = None
    checkin_distance_m: float | None = None
    checkin_inside: bool | None = None
    resolution_notes: MaybeSaid = None
    duplicate_candidate: int | None = Field(None, description="the open ticket this report "
                                            "probably repeats (a proposal for the dispatcher)")
    duplicate_reason: MaybeSaid = None
    duplicate_of: int | None = Field(None, description="the ticket whose job it joined")
    parts: list[dict[str, Any]] | None = None
    fixed_first_time: bool | None = None
    follow_up_of: int | None = None
    not_home_count: int = 0
    not_home_note: str | None = None
    crew_size: int = Field(1, description="technicians the work needs on site together")
    crew: list[CrewSeat] = Field(default_factory=list, description="with crew_size > 1: "
                                 "every member, the ticket's own technician first")
    follows: Follows | None = Field(None, description="a linked visit: the ticket this one "
                                    "waits for")
    assignment: Assignment

    @classmethod
    def of(cls, t: Ticket) -> TicketRead:
        """Build from a `Ticket` row."""
        late = t.predicted_late_s
        assignment = Assignment(
            technician_id=t.technician_id,
            eta=t.planned_eta,
            start=t.planned_start,
            end=t.planned_end,
            predicted_late_minutes=None if late is None else round(late / 60, 1),
            plan_version=t.plan_version,
            unassigned_reason=t.unassigned_reason,
        )
        window = None if t.window is None else Window(start=t.window[0], end=t.window[1])
        data = {k: getattr(t, k) for k in cls.model_fields
                if k not in ("assignment", "window", "crew", "follows")}
        crew = [CrewSeat(**vars(seat)) for seat in crews.seats(t)]
        follows = None if t.follows_id is None else Follows(
            ticket_id=t.follows_id, delay_minutes=t.follows_delay_min,
            same_technician=t.follows_same_technician)
        return cls(**data, assignment=assignment, window=window, crew=crew, follows=follows)


class TicketPreview(BaseModel):
    """What a ticket would get if reported now: its deadlines, skill and service time."""

    skill: Skill
    service_minutes: int
    respond_by: datetime | None
    arrive_by: datetime | None
    resolve_by: datetime | None
