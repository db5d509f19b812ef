"""The current plan, and a way to ask for a fresh one now."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser, EngineDep, StaffUser
from dispatcher.messages import Said
from dispatcher.planning.view import PlanView

router = APIRouter(prefix="/plan", tags=["plan"])


class StopRead(BaseModel):
    ticket_id: int
    member: int = Field(1, description="the place of a crew ticket this stop is for: 1 the "
                        "ticket's own technician, 2..N a partner's")
    eta: datetime
    start: datetime
    end: datetime
    late_minutes: float
    travel_minutes: float
    in_progress: bool


class RouteRead(BaseModel):
    technician_id: int
    stops: list[StopRead]
    end: datetime
    overtime_minutes: float


class UnassignedRead(BaseModel):
    ticket_id: int
    reason: Said


class PlanRead(BaseModel):
    """A plan version: routes with timed stops, unassigned tickets with reasons, the objective."""

    version: int
    computed_at: datetime | None
    solve_ms: float
    status: str
    trigger: str
    routes: list[RouteRead]
    unassigned: list[UnassignedRead]
    objective: dict[str, float]
    regions: dict[str, int] = {}

    @classmethod
    def of(cls, plan: PlanView | None) -> PlanRead:
        if plan is None:
            return cls(version=0, computed_at=None, solve_ms=0, status="none", trigger="",
                       routes=[], unassigned=[], objective={})
        return cls.model_validate(plan, from_attributes=True)


@router.get("")
def get_plan(engine: EngineDep, user: CurrentUser, region: str | None = None) -> PlanRead:
    """The latest plan of every region merged, or of one `region` (version 0 before any); a
    technician sees only his own route in it."""
    plan = PlanRead.of(engine.current_plan(region))
    if user.staff:
        return plan
    mine = [r for r in plan.routes if r.technician_id == user.technician_id]
    return plan.model_copy(update={"routes": mine, "unassigned": []})


@router.post("/replan")
def replan(engine: EngineDep, _: StaffUser) -> PlanRead:
    """Re-optimize now and answer with the new plan."""
    return PlanRead.of(engine.replan("manual"))
