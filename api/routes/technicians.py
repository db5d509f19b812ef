"""Technicians: add, list, read, GPS fixes, planned route. A technician sees only himself."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request, status

from api.deps import CachedUser, CurrentUser, EngineDep, Id, StaffUser
from api.idempotency import HEADER
from dispatcher.auth import access
from dispatcher.fieldwork.schemas import RouteRead
from dispatcher.technicians.schemas import (
    HomeArea,
    PositionAccepted,
    PositionUpdate,
    TechnicianCreate,
    TechnicianRead,
)

router = APIRouter(prefix="/technicians", tags=["technicians"])
me_router = APIRouter(prefix="/me", tags=["technicians"])
# The GPS hot path checks its caller itself (`CachedUser`), not with the routers' dependency.
gps_router = APIRouter(prefix="/technicians", tags=["technicians"])


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
def get_technician(technician_id: Id, engine: EngineDep, user: CurrentUser) -> TechnicianRead:
    access.require_technician(user, technician_id)
    return engine.get_technician(technician_id)


@router.put("/{technician_id}/home-area")
def set_home_area(technician_id: Id, body: HomeArea, engine: EngineDep,
                  _: StaffUser) -> TechnicianRead:
    """Give a technician his home area: sites and zones he knows (work elsewhere costs the
    planner, or is barred with `strict`, emergencies excepted); 422 naming the field."""
    return engine.set_home_area(technician_id, body)


@router.delete("/{technician_id}/home-area")
def clear_home_area(technician_id: Id, engine: EngineDep, _: StaffUser) -> TechnicianRead:
    """The whole region again."""
    return engine.set_home_area(technician_id, None)


@gps_router.post("/{technician_id}/position", status_code=status.HTTP_202_ACCEPTED)
async def update_position(technician_id: Id, body: PositionUpdate, request: Request,
                          engine: EngineDep, user: CachedUser) -> PositionAccepted:
    """A GPS fix: his live position at once; in the database, and a re-plan asked for if it
    matters, within a few hundred ms. With an Idempotency-Key it is stored before the answer."""
    access.require_technician(user, technician_id)
    request.app.state.limits.gps_fix(technician_id)
    request.app.state.metrics.gps_fixes.inc()
    if HEADER in request.headers:  # a keyed retry: the fix commits with its key
        at = body.at or engine.clock.now()
        read = await to_thread.run_sync(engine.update_position, technician_id,
                                        body.model_copy(update={"at": at}))
        return PositionAccepted(technician_id=technician_id, lat=body.lat, lon=body.lon, at=at,
                                applied=read.position_at == at)
    return await engine.gps.accept(technician_id, body)


@router.get("/{technician_id}/route")
def technician_route(technician_id: Id, engine: EngineDep, user: CurrentUser) -> RouteRead:
    """His open tickets in the planned order, with addresses, deadlines and ETAs."""
    access.require_technician(user, technician_id)
    return engine.field.route(technician_id)


@me_router.get("/route")
def my_route(engine: EngineDep, user: CurrentUser) -> RouteRead:
    """The caller's own planned route (technician accounts)."""
    return engine.field.route(access.own_technician(user))
