"""Tickets: report, list, read, cancel, progress. A technician sees only his own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, EngineDep, Id, StaffUser
from dispatcher.auth import access
from dispatcher.enums import Status
from dispatcher.tickets.schemas import (
    Merge,
    StatusChange,
    TicketCreate,
    TicketPreview,
    TicketRead,
)

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, engine: EngineDep, _: StaffUser) -> TicketRead:
    """Report a ticket; deadlines come from the SLA policy, the plan follows within a second."""
    return engine.create_ticket(body)


@router.post("/preview")
def preview_ticket(body: TicketCreate, engine: EngineDep, _: StaffUser) -> TicketPreview:
    """The deadlines, skill and service time a ticket would get now; nothing is stored."""
    return engine.preview_ticket(body)


@router.get("")
def list_tickets(
    engine: EngineDep, user: CurrentUser,
    status: Annotated[list[Status] | None, Query(description="repeat to give several")] = None,
) -> list[TicketRead]:
    """All tickets for staff; a technician's own (assigned to him) for a technician."""
    if user.staff:
        return engine.list_tickets(status)
    return engine.list_tickets(status, technician_id=access.own_technician(user))


@router.get("/{ticket_id}")
def get_ticket(ticket_id: Id, engine: EngineDep, user: CurrentUser) -> TicketRead:
    """One ticket; 403 for a technician it is not assigned to (nor one of its crew)."""
    ticket = engine.get_ticket(ticket_id)
    if user.technician_id is None or user.technician_id not in {
            m.technician_id for m in ticket.crew}:
        access.require_ticket(user, ticket_id=ticket_id, owner=ticket.assignment.technician_id)
    return ticket


@router.post("/{ticket_id}/cancel")
def cancel_ticket(ticket_id: Id, engine: EngineDep, _: StaffUser) -> TicketRead:
    return engine.cancel_ticket(ticket_id)


@router.post("/{ticket_id}/merge")
def merge_ticket(ticket_id: Id, body: Merge, engine: EngineDep, _: StaffUser) -> TicketRead:
    """The same fault as ticket `into`: this report joins its job (status `merged`, off the
    routes), is completed with it and gets its own follow-up; 409 once work on it started."""
    return engine.merge_ticket(ticket_id, body.into)


@router.post("/{ticket_id}/merge-proposed")
def merge_proposed(ticket_id: Id, engine: EngineDep, _: StaffUser) -> list[TicketRead]:
    """Merge every open report proposed as a duplicate of this ticket (the storm, at once)."""
    return engine.merge_proposed(ticket_id)


@router.post("/{ticket_id}/not-duplicate")
def dismiss_duplicate(ticket_id: Id, engine: EngineDep, _: StaffUser) -> TicketRead:
    """Not the same fault: the duplicate proposal is dropped (409 if there is none)."""
    return engine.dismiss_duplicate(ticket_id)


@router.post("/{ticket_id}/status")
def report_status(ticket_id: Id, body: StatusChange, engine: EngineDep,
                  user: CurrentUser) -> TicketRead:
    """accepted, en_route, on_site or completed; an impossible transition is a 409."""
    return engine.report_status(ticket_id, body, by=user)
