"""SLA alerts: list them, acknowledge them."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import EngineDep, Id, staff_only
from dispatcher.alerts.models import AlertState
from dispatcher.alerts.schemas import AlertAck, AlertRead

# Alerts are for dispatchers.
router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(staff_only)])


@router.get("")
def list_alerts(engine: EngineDep, state: AlertState | None = None) -> list[AlertRead]:
    """Newest first; `state=open` for what needs a dispatcher."""
    return engine.list_alerts(state)


@router.post("/{alert_id}/ack")
def acknowledge(alert_id: Id, engine: EngineDep, body: AlertAck | None = None) -> AlertRead:
    """Acknowledge an open alert: it stops escalating and stays until its condition clears."""
    return engine.acknowledge_alert(alert_id, by=(body or AlertAck()).by)
