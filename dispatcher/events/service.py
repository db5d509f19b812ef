"""Record events inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatcher.events.models import Event


def record(session: Session, *, type: str, payload: dict[str, Any], at: datetime) -> Event:
    """Add an event row to the session; it commits with the change it describes."""
    event = Event(type=type, payload=payload, at=at)
    session.add(event)
    session.flush()
    session.info.setdefault("events", []).append(event)
    return event


def recorded(session: Session) -> list[Event]:
    """The events this session recorded, to publish once it has committed."""
    return list(session.info.get("events", []))
