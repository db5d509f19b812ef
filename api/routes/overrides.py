"""Dispatcher overrides: pin a ticket to a technician, and unpin."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response, status
from pydantic import Field

from api.deps import EngineDep
from dispatcher.schemas import Strict

router = APIRouter(prefix="/overrides", tags=["overrides"])


class Reason(StrEnum):
    resident_request = "resident_request"
    technician_familiar = "technician_familiar"
    parts = "parts"
    other = "other"


class PinCreate(Strict):
    """Pin `ticket_id` to `technician_id`."""

    ticket_id: int
    technician_id: int
    reason: Reason = Reason.other
    by: str = Field("dispatcher", min_length=1, max_length=128)


@router.post("", status_code=status.HTTP_201_CREATED)
def pin(body: PinCreate, engine: EngineDep) -> PinCreate:
    """Refused (422, naming the field) if the technician lacks the skill or is off shift."""
    engine.pin(body.ticket_id, body.technician_id, by=body.by, reason=body.reason.value)
    return body


@router.delete("/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT)
def unpin(ticket_id: int, engine: EngineDep) -> Response:
    engine.unpin(ticket_id, by="dispatcher")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
