"""Technicians: add, list, read, GPS fixes."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import EngineDep
from dispatcher.technicians.schemas import PositionUpdate, TechnicianCreate, TechnicianRead

router = APIRouter(prefix="/technicians", tags=["technicians"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_technician(body: TechnicianCreate, engine: EngineDep) -> TechnicianRead:
    return engine.create_technician(body)


@router.get("")
def list_technicians(engine: EngineDep) -> list[TechnicianRead]:
    return engine.list_technicians()


@router.get("/{technician_id}")
def get_technician(technician_id: int, engine: EngineDep) -> TechnicianRead:
    return engine.get_technician(technician_id)


@router.post("/{technician_id}/position")
def update_position(technician_id: int, body: PositionUpdate, engine: EngineDep) -> TechnicianRead:
    """A GPS fix; the plan is recomputed from the new position."""
    return engine.update_position(technician_id, body)
