"""Dispatcher overrides: pin, move to a position, hold, lock a route, and clear each.

Every answer carries the plan that followed, with a warning when the override leaves a ticket
unassigned or predicted late. Dispatchers and admins only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from api import errors
from api.deps import EngineDep, Id, staff_only
from dispatcher.overrides.schemas import (
    HoldCreate,
    LockCreate,
    MoveCreate,
    OverrideEffect,
    OverrideRead,
    PinCreate,
)

# A body naming an unknown ticket or technician is a 404.
router = APIRouter(prefix="/overrides", tags=["overrides"], dependencies=[Depends(staff_only)],
                   responses=errors.declare(404))


@router.get("")
def list_overrides(engine: EngineDep) -> list[OverrideRead]:
    """Overrides in force now."""
    return engine.list_overrides()


@router.post("", status_code=status.HTTP_201_CREATED)
def pin(body: PinCreate, engine: EngineDep) -> OverrideEffect:
    """Pin a ticket (or, with `member` 2..N, a crew partner's place) to a technician; 422
    naming the field if he lacks the skill or is off shift."""
    return engine.pin(body.ticket_id, body.technician_id, by=body.by, reason=body.reason.value,
                      member=body.member)


@router.post("/move", status_code=status.HTTP_201_CREATED)
def move(body: MoveCreate, engine: EngineDep) -> OverrideEffect:
    """Put a ticket at a position (0 = next) of a technician's route."""
    return engine.pin(body.ticket_id, body.technician_id, by=body.by, reason=body.reason.value,
                      position=body.position, member=body.member)


@router.post("/hold", status_code=status.HTTP_201_CREATED)
def hold(body: HoldCreate, engine: EngineDep) -> OverrideEffect:
    """Keep a ticket unassigned (e.g. waiting for parts) until the hold is cleared."""
    return engine.hold(body.ticket_id, by=body.by, reason=body.reason.value)


@router.post("/lock", status_code=status.HTTP_201_CREATED)
def lock(body: LockCreate, engine: EngineDep) -> OverrideEffect:
    """Freeze a technician's current route for some minutes."""
    return engine.lock_route(body.technician_id, minutes=body.minutes, by=body.by,
                             reason=body.reason.value)


@router.delete("/lock/{technician_id}")
def unlock(technician_id: Id, engine: EngineDep, by: str = "dispatcher") -> OverrideEffect:
    return engine.clear_lock(technician_id, by=by)


@router.delete("/{ticket_id}")
def clear(ticket_id: Id, engine: EngineDep, by: str = "dispatcher") -> OverrideEffect:
    """Clear a ticket's pin, move or hold."""
    return engine.clear_override(ticket_id, by=by)
