"""Tickets: report, list, read, cancel, progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import EngineDep
from dispatcher.enums import Status
from dispatcher.tickets.schemas import StatusChange, TicketCreate, TicketRead

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, engine: EngineDep) -> TicketRead:
    """Report a ticket; deadlines come from the SLA policy, the plan follows within a second."""
    return engine.create_ticket(body)


@router.get("")
def list_tickets(
    engine: EngineDep,
    status: Annotated[list[Status] | None, Query(description="repeat to give several")] = None,
) -> list[TicketRead]:
    return engine.list_tickets(status)


@router.get("/{ticket_id}")
def get_ticket(ticket_id: int, engine: EngineDep) -> TicketRead:
    return engine.get_ticket(ticket_id)


@router.post("/{ticket_id}/cancel")
def cancel_ticket(ticket_id: int, engine: EngineDep) -> TicketRead:
    return engine.cancel_ticket(ticket_id)


@router.post("/{ticket_id}/status")
def report_status(ticket_id: int, body: StatusChange, engine: EngineDep) -> TicketRead:
    """accepted, en_route, on_site or completed; an impossible transition is a 409."""
    return engine.report_status(ticket_id, body)
