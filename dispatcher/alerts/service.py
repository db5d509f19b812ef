"""Read and acknowledge alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.alerts.models import Alert, AlertKind, AlertState
from dispatcher.errors import Conflict, NotFound
from dispatcher.events import service as events


def list_(session: Session, *, state: AlertState | None = None) -> list[Alert]:
    """Alerts, newest first, optionally in one state."""
    query = select(Alert).order_by(Alert.id.desc())
    if state is not None:
        query = query.where(Alert.state == state)
    return list(session.scalars(query))


def acknowledge(session: Session, *, alert_id: int, by: str, now: datetime) -> Alert:
    """A dispatcher has seen the alert: it stops escalating and stays until it clears."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found", field="alert_id")
    if alert.state is not AlertState.open:
        raise Conflict(f"alert {alert_id} is {alert.state.value}, not open", field="alert_id")
    alert.state, alert.acked_at, alert.acked_by, alert.updated_at = (
        AlertState.acknowledged, now, by, now)
    events.record(session, type="alert.acknowledged", at=now,
                  payload={"alert_id": alert.id, "by": by})
    return alert


def raise_(session: Session, *, kind: AlertKind, ticket_id: int | None,
           technician_id: int | None, message: str, now: datetime) -> Alert:
    """Open an alert an action reported (e.g. a far check-in), or refresh the open one."""
    alert = session.scalar(select(Alert).where(
        Alert.kind == kind, Alert.ticket_id == ticket_id, Alert.state != AlertState.resolved))
    verb = "updated"
    if alert is None:
        alert = Alert(kind=kind, state=AlertState.open, level=1, ticket_id=ticket_id,
                      milestones="", opened_at=now)
        session.add(alert)
        verb = "opened"
    alert.technician_id, alert.message, alert.updated_at = technician_id, message, now
    session.flush()
    events.record(session, type=f"alert.{verb}", at=now, payload={
        "alert_id": alert.id, "kind": alert.kind.value, "level": alert.level,
        "ticket_id": alert.ticket_id, "technician_id": alert.technician_id,
        "message": alert.message})
    return alert
