"""Override inputs and outputs; the answer says what the override did to the plan."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatcher.overrides.models import OverrideKind, Reason
from dispatcher.schemas import DbId, Strict
from dispatcher.sla.policy import MAX_CREW
from dispatcher.tickets.schemas import Assignment


class _By(Strict):
    reason: Reason = Reason.other
    by: str = Field("dispatcher", min_length=1, max_length=128)


class PinCreate(_By):
    """Pin `ticket_id` to `technician_id`; for a crew ticket, `member` 2..N pins that
    partner's place instead of the ticket's own (1)."""

    ticket_id: DbId
    technician_id: DbId
    member: int = Field(1, ge=1, le=MAX_CREW)


class MoveCreate(PinCreate):
    """Put `ticket_id` at `position` (0 = next) of `technician_id`'s route."""

    position: int = Field(ge=0, le=200)


class HoldCreate(_By):
    """Keep `ticket_id` off every route until the hold is cleared."""

    ticket_id: DbId


class LockCreate(_By):
    """Freeze `technician_id`'s current route for `minutes`."""

    technician_id: DbId
    minutes: int = Field(ge=1, le=24 * 60)


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: OverrideKind
    ticket_id: int | None
    technician_id: int | None
    position: int | None
    member: int | None  # a crew ticket's place the pin is for (None: its own, 1)
    sequence: list[int] | None
    until: datetime | None
    reason: Reason
    created_by: str
    created_at: datetime
    cleared_at: datetime | None
    cleared_by: str | None


class OverrideEffect(BaseModel):
    """The override and the plan that followed it, with warnings a dispatcher must read."""

    override: OverrideRead
    plan_version: int | None
    assignments: dict[int, Assignment]
    warnings: list[str]
