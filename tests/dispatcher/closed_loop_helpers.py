"""Helpers for the closed-loop tests: take a ticket through to completion."""

from __future__ import annotations

from datetime import datetime

from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.tickets.schemas import StatusChange, TicketRead

STEPS = (Status.accepted, Status.en_route, Status.on_site, Status.completed)


def complete(engine: Engine, ticket_id: int, at: datetime | None = None) -> TicketRead:
    """Plan the ticket onto a technician and report every step up to completed."""
    engine.replan_now()
    assert engine.get_ticket(ticket_id).assignment.technician_id is not None, "not planned"
    read = None
    for status in STEPS:
        read = engine.report_status(ticket_id, StatusChange(status=status, at=at))
    assert read is not None
    return read
