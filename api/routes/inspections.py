"""Inspection rounds: a ticket's checklist, and its items answered on site.

An answer is a multipart form, so a photo the item requires travels with it in one request
(the app's offline queue sends it as one action, with an `Idempotency-Key`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BeforeValidator

from api import errors
from api.deps import CurrentUser, EngineDep, Id, blank_as_none
from dispatcher.errors import Invalid
from dispatcher.inspections.schemas import Answer, InspectionRead

router = APIRouter(prefix="/tickets", tags=["inspections"])


Maybe = BeforeValidator(blank_as_none)


@router.get("/{ticket_id}/inspection")
def read(ticket_id: Id, engine: EngineDep, user: CurrentUser) -> InspectionRead:
    """The round's items (from the ticket's maintenance plan), answers, faults raised."""
    return engine.inspections.read(ticket_id, by=user)


@router.post("/{ticket_id}/inspection", responses=errors.declare(413, 415))
def answer(ticket_id: Id, engine: EngineDep, user: CurrentUser,
           key: Annotated[str, Form(min_length=1, max_length=64, description="the item")],
           ok: Annotated[bool | None, Form(description="a check: true normal, false abnormal"),
                         Maybe] = None,
           value: Annotated[float | None, Form(description="a reading, in the item's unit"),
                            Maybe] = None,
           note: Annotated[str, Form(max_length=2000)] = "",
           at: Annotated[datetime | None, Form(description="when it was read (offline)"),
                         Maybe] = None,
           file: Annotated[UploadFile | None, File(description="JPEG, PNG or WebP")] = None,
           ) -> InspectionRead:
    """Answer one item; an abnormal check or a reading out of range opens a linked repair
    ticket (listed in `faults`). 409 unless the ticket is on site."""
    if at is not None and at.tzinfo is None:
        raise Invalid("at must include a time zone", field="at")
    if value is not None and not math.isfinite(value):
        raise Invalid("value must be a finite number", field="value")
    photo = None
    if file is not None and file.filename:
        photo = file.file.read(engine.settings.photo_max_bytes + 1)
    return engine.inspections.answer(
        ticket_id, Answer(key=key, ok=ok, value=value, note=note, at=at), photo=photo, by=user)
