"""The technician app's commands: his route, the ticket flow, photos.

Part of the engine (`engine.field`): each change is one unit of work of the engine, so its
events reach the planner and the live stream like any other. `by` is the caller; a technician
may act only on tickets assigned to him (checked inside the transaction).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from dispatcher.auth.tokens import Principal
from dispatcher.enums import Status
from dispatcher.fieldwork import route as routes
from dispatcher.fieldwork import service as fieldwork
from dispatcher.fieldwork.schemas import (
    CheckIn,
    CheckInResult,
    Completion,
    CompletionResult,
    NotHome,
    Progress,
    RouteRead,
)
from dispatcher.photos import service as photos
from dispatcher.photos.models import PhotoTag
from dispatcher.photos.schemas import PhotoRead
from dispatcher.technicians import service as technicians
from dispatcher.tickets import service as tickets
from dispatcher.tickets.schemas import TicketRead

if TYPE_CHECKING:
    from dispatcher.engine import Engine


class FieldDesk:
    """What the technician app (and a dispatcher acting for him) asks of the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def route(self, technician_id: int) -> RouteRead:
        """His open tickets in the planned order, as his app shows them."""
        with self._engine.sessions() as s:
            return routes.of_technician(s, technician_id=technician_id)

    def accept(self, ticket_id: int, data: Progress, *, by: Principal | None = None
               ) -> TicketRead:
        """The technician takes the ticket: the SLA's respond milestone."""
        def run(s: Session, now: datetime) -> TicketRead:
            fieldwork.mine(s, ticket_id=ticket_id, who=by)
            return TicketRead.of(tickets.report_status(s, ticket_id=ticket_id,
                                                       target=Status.accepted, at=data.at or now))
        return self._engine.command(run)

    def start(self, ticket_id: int, data: Progress, *, by: Principal | None = None
              ) -> TicketRead:
        """He sets off (accepting an assigned ticket on the way)."""
        return self._engine.command(lambda s, now: TicketRead.of(fieldwork.start(
            s, ticket_id=ticket_id, who=by, at=data.at or now)))

    def check_in(self, ticket_id: int, data: CheckIn, *, by: Principal | None = None
                 ) -> CheckInResult:
        """On site at the device's position, judged against the ticket's place; it is also
        his GPS fix."""
        radius = self._engine.settings.checkin_radius_m

        def run(s: Session, now: datetime) -> CheckInResult:
            at = data.at or now
            ticket, verdict = fieldwork.check_in(s, ticket_id=ticket_id, who=by, data=data,
                                                 at=at, radius_m=radius)
            if ticket.technician_id is not None:
                technicians.update_position(s, technician_id=ticket.technician_id,
                                            lat=data.lat, lon=data.lon, at=at, now=now)
            warning = None if verdict.inside else (
                f"check-in {verdict.distance_m:.0f} m from the ticket location (allowed "
                f"{radius:.0f} m); the dispatcher has been told")
            return CheckInResult(ticket=TicketRead.of(ticket), inside=verdict.inside,
                                 inside_site=verdict.inside_site, distance_m=verdict.distance_m,
                                 radius_m=radius, warning=warning)
        return self._engine.command(run)

    def complete(self, ticket_id: int, data: Completion, *, by: Principal | None = None
                 ) -> CompletionResult:
        """Work done, with notes and parts; not fixed first time opens a follow-up ticket."""
        def run(s: Session, now: datetime) -> CompletionResult:
            ticket, follow = fieldwork.complete(s, ticket_id=ticket_id, who=by, data=data,
                                                at=data.at or now, policy=self._engine.policy)
            return CompletionResult(ticket=TicketRead.of(ticket),
                                    follow_up=TicketRead.of(follow) if follow else None)
        return self._engine.command(run)

    def not_home(self, ticket_id: int, data: NotHome, *, by: Principal | None = None
                 ) -> TicketRead:
        """Resident not home: the ticket goes back for rebooking, off every route."""
        return self._engine.command(lambda s, now: TicketRead.of(fieldwork.not_home(
            s, ticket_id=ticket_id, who=by, note=data.note, at=data.at or now)))

    def add_photo(self, ticket_id: int, data: bytes, *, tag: PhotoTag,
                  taken_at: datetime | None = None, by: Principal | None = None) -> PhotoRead:
        """Attach a JPEG, PNG or WebP photo (judged by its bytes) to a ticket."""
        return self._engine.command(lambda s, now: PhotoRead.model_validate(photos.add(
            s, ticket_id=ticket_id, who=by, data=data, tag=tag, taken_at=taken_at or now,
            now=now, directory=self._engine.settings.photo_dir,
            max_bytes=self._engine.settings.photo_max_bytes)))

    def list_photos(self, ticket_id: int, *, by: Principal | None = None) -> list[PhotoRead]:
        with self._engine.sessions() as s:
            return [PhotoRead.model_validate(p)
                    for p in photos.list_(s, ticket_id=ticket_id, who=by)]

    def photo_file(self, photo_id: int, *, by: Principal | None = None) -> tuple[Path, str]:
        """The file of a photo and its content type, if `by` may see its ticket."""
        with self._engine.sessions() as s:
            return photos.file(s, photo_id=photo_id, who=by,
                               directory=self._engine.settings.photo_dir)
