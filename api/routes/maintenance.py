"""Maintenance plans and recurring-fault proposals."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import EngineDep, Id, QueryId
from dispatcher.maintenance.schemas import PlanCreate, PlanRead, PlanUpdate
from dispatcher.recurring.models import RecurringState
from dispatcher.recurring.schemas import Decision, RecurringRead

router = APIRouter(tags=["maintenance"])


@router.post("/maintenance/plans", status_code=status.HTTP_201_CREATED)
def create_plan(body: PlanCreate, engine: EngineDep) -> PlanRead:
    """A plan for an asset; cadence, tolerance and service minutes default by kind."""
    return engine.create_plan(body)


@router.get("/maintenance/plans")
def list_plans(engine: EngineDep, asset_id: QueryId = None,
               site_id: str | None = None) -> list[PlanRead]:
    return engine.list_plans(asset_id, site_id)


@router.get("/maintenance/plans/{plan_id}")
def get_plan(plan_id: Id, engine: EngineDep) -> PlanRead:
    return engine.get_plan(plan_id)


@router.patch("/maintenance/plans/{plan_id}")
def update_plan(plan_id: Id, body: PlanUpdate, engine: EngineDep) -> PlanRead:
    return engine.update_plan(plan_id, body)


@router.delete("/maintenance/plans/{plan_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_plan(plan_id: Id, engine: EngineDep) -> Response:
    """Refused (409) once the plan has generated tickets: deactivate it instead."""
    engine.delete_plan(plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/recurring-faults")
def list_recurring(engine: EngineDep,
                   state: RecurringState | None = None) -> list[RecurringRead]:
    """Repeated faults at one asset, unit or building; `state=open` awaits a decision."""
    return engine.list_recurring(state)


@router.post("/recurring-faults/{recurring_id}/accept")
def accept_recurring(recurring_id: Id, engine: EngineDep,
                     body: Decision | None = None) -> RecurringRead:
    """Create the proposed root-cause ticket; the alert resolves."""
    return engine.accept_recurring(recurring_id, by=(body or Decision()).by)


@router.post("/recurring-faults/{recurring_id}/dismiss")
def dismiss_recurring(recurring_id: Id, engine: EngineDep,
                      body: Decision | None = None) -> RecurringRead:
    return engine.dismiss_recurring(recurring_id, by=(body or Decision()).by)
