"""Technicians: add, list, read, GPS fixes, planned route. A technician sees only himself."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, EngineDep, StaffUser
from dispatcher.auth import access
from dispatcher.fieldwork.schemas import RouteRead
from dispatcher.technicians.schemas import PositionUpdate, TechnicianCreate, TechnicianRead

router = APIRouter(prefix="/technicians", tags=["technicians"])
me_router = APIRouter(prefix="/me", tags=["technicians"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_technician(body: TechnicianCreate, engine: EngineDep, _: StaffUser) -> TechnicianRead:
    return engine.create_technician(body)


@router.get("")
def list_technicians(engine: EngineDep, user: CurrentUser) -> list[TechnicianRead]:
    """Everyone for staff; only himself for a technician."""
    if user.staff:
        return engine.list_technicians()
    return [engine.get_technician(access.own_technician(user))]


@router.get("/{technician_id}")
def get_technician(technician_id: int, engine: EngineDep, user: CurrentUser) -> TechnicianRead:
    access.require_technician(user, technician_id)
    return engine.get_technician(technician_id)


@router.post("/{technician_id}/position")
def update_position(technician_id: int, body: PositionUpdate, engine: EngineDep,
                    user: CurrentUser) -> TechnicianRead:
    """A GPS fix; the plan is recomputed from the new position."""
    access.require_technician(user, technician_id)
    return engine.update_position(technician_id, body)


@router.get("/{technician_id}/route")
def technician_route(technician_id: int, engine: EngineDep, user: CurrentUser) -> RouteRead:
    """His open tickets in the planned order, with addresses, deadlines and ETAs."""
    access.require_technician(user, technician_id)
    return engine.field.route(technician_id)


@me_router.get("/route")
def my_route(engine: EngineDep, user: CurrentUser) -> RouteRead:
    """The caller's own planned route (technician accounts)."""
    return engine.field.route(access.own_technician(user))
