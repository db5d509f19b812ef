"""Read and acknowledge alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.alerts.models import Alert, AlertState
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
