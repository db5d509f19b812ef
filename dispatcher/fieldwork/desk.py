"""The technician app's commands: his route, the ticket flow, photos.

Every way a job moves on goes through these commands: the app's verbs, the status endpoint
(`report`), the console acting for a technician, the simulator and the CLI.

Part of the engine (`engine.field`): each change is one unit of work of the engine, so its
events reach the planner and the live stream like any other. `by` is the caller; a technician
may act only on tickets assigned to him (checked inside the transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dispatcher.auth.tokens import Principal
from dispatcher.context import Context
from dispatcher.enums import Status
from dispatcher.errors import Conflict
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
from dispatcher.inspections import service as inspections
from dispatcher.photos import service as photos
from dispatcher.photos.models import PhotoTag
from dispatcher.photos.schemas import PhotoRead
from dispatcher.technicians import service as technicians
from dispatcher.tickets.lifecycle import REPORTED
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import StatusChange, TicketRead

Fix = tuple[float, float]


def _move(s: Session, ticket: Ticket, where: Fix, at: datetime, now: datetime,
          by: Principal | None = None) -> None:
    """The technician who acts (a crew's partner acts for himself), or else the ticket's, is
    at `where` (a check-in, or the job's place)."""
    partner = fieldwork.seat(s, ticket, by)
    technician_id = partner.technician_id if partner is not None else ticket.technician_id
    if technician_id is not None:
        technicians.update_position(s, technician_id=technician_id, lat=where[0],
                                    lon=where[1], at=at, now=now)


class FieldDesk:
    """What the technician app (and a dispatcher acting for him) asks of the engine."""

    def __init__(self, engine: Context) -> None:
        self._engine = engine

    def route(self, technician_id: int) -> RouteRead:
        """His open tickets in the planned order, as his app shows them."""
        with self._engine.sessions() as s:
            return routes.of_technician(s, technician_id=technician_id,
                                        map_apps=self._engine.settings.map_apps)

    def accept(self, ticket_id: int, data: Progress, *, by: Principal | None = None,
               fix: Fix | None = None) -> TicketRead:
        """The technician takes the ticket: the SLA's respond milestone."""
        return self._act(lambda s, at: fieldwork.accept(s, ticket_id=ticket_id, who=by, at=at),
                         data.at, fix, by=by)

    def start(self, ticket_id: int, data: Progress, *, by: Principal | None = None,
              fix: Fix | None = None) -> TicketRead:
        """He sets off (accepting an assigned ticket on the way)."""
        return self._act(lambda s, at: fieldwork.start(s, ticket_id=ticket_id, who=by, at=at),
                         data.at, fix, by=by)

    def check_in(self, ticket_id: int, data: CheckIn, *, by: Principal | None = None
                 ) -> CheckInResult:
        """On site at the device's position, judged against the ticket's place; it is also
        his GPS fix."""
        radius = self._engine.settings.checkin_radius_m

        def run(s: Session, now: datetime) -> CheckInResult:
            at = data.at or now
            ticket, verdict = fieldwork.arrive(s, ticket_id=ticket_id, who=by, at=at, fix=data,
                                               radius_m=radius)
            assert verdict is not None
            _move(s, ticket, (data.lat, data.lon), at, now, by)
            warning = None if verdict.inside else (
                f"check-in {verdict.distance_m:.0f} m from the ticket location (allowed "
                f"{radius:.0f} m); the dispatcher has been told")
            return CheckInResult(ticket=TicketRead.of(ticket), inside=verdict.inside,
                                 inside_site=verdict.inside_site, distance_m=verdict.distance_m,
                                 radius_m=radius, warning=warning)
        return self._engine.command(run)

    def arrive(self, ticket_id: int, data: Progress, *, by: Principal | None = None
               ) -> TicketRead:
        """On site, said without the device's position (the status endpoint): not judged, and
        his position becomes the ticket's."""
        def run(s: Session, at: datetime) -> Ticket:
            return fieldwork.arrive(s, ticket_id=ticket_id, who=by, at=at, fix=None,
                                    radius_m=self._engine.settings.checkin_radius_m)[0]
        return self._act(run, data.at, None, by=by, default_here=True)

    def complete(self, ticket_id: int, data: Completion, *, by: Principal | None = None,
                 fix: Fix | None = None) -> CompletionResult:
        """Work done, with notes and parts: the resident's follow-up opens; not fixed first
        time opens a linked second-visit ticket (a rework)."""
        engine = self._engine

        def run(s: Session, now: datetime) -> CompletionResult:
            at = data.at or now
            if by is not None and not by.staff:  # staff may close a round done on paper
                inspections.require_done(s, fieldwork.mine(s, ticket_id=ticket_id, who=by))
            ticket, follow = fieldwork.complete(s, ticket_id=ticket_id, who=by, data=data,
                                                at=at, now=now, settings=engine.settings,
                                                policy=engine.policy)
            _move(s, ticket, fix or (ticket.lat, ticket.lon), at, now, by)
            return CompletionResult(ticket=TicketRead.of(ticket),
                                    follow_up=TicketRead.of(follow) if follow else None)
        return engine.command(run)

    def report(self, ticket_id: int, change: StatusChange, *, by: Principal | None = None
               ) -> TicketRead:
        """The status endpoint's progress report, through the same verbs as the app's
        buttons (a completion is fixed first time unless it says `fixed: false`)."""
        fix = (change.lat, change.lon) if change.lat is not None and change.lon is not None \
            else None
        progress = Progress(at=change.at)
        if change.status is Status.accepted:
            return self.accept(ticket_id, progress, by=by, fix=fix)
        if change.status is Status.en_route:
            return self.start(ticket_id, progress, by=by, fix=fix)
        if change.status is Status.on_site:
            if fix is None:
                return self.arrive(ticket_id, progress, by=by)
            return self.check_in(ticket_id, CheckIn(lat=fix[0], lon=fix[1], at=change.at),
                                 by=by).ticket
        if change.status is Status.completed:
            done = Completion(at=change.at, notes=change.notes or "",
                              fixed=change.fixed is not False)
            return self.complete(ticket_id, done, by=by, fix=fix).ticket
        allowed = ", ".join(sorted(s.value for s in REPORTED))
        raise Conflict(f"status {change.status.value} cannot be reported; use one of {allowed}",
                       field="status")

    def _act(self, step: Callable[[Session, datetime], Ticket], at: datetime | None,
             fix: Fix | None, *, by: Principal | None, default_here: bool = False
             ) -> TicketRead:
        """One step as a unit of work; a position sent with it is his GPS fix too."""
        def run(s: Session, now: datetime) -> TicketRead:
            when = at or now
            ticket = step(s, when)
            where = fix or ((ticket.lat, ticket.lon) if default_here else None)
            if where is not None:
                _move(s, ticket, where, when, now, by)
            return TicketRead.of(ticket)
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
