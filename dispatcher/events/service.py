"""Record events inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
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


def record_many(session: Session, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many event rows (type, payload, at, published_at) in bulk; their ids, in order.

    Unlike `record`, they are not kept for publishing after the commit: the caller publishes
    them (the GPS batch writer), or the outbox relay does once `published_at` is NULL.
    """
    if not rows:
        return []
    query = insert(Event).returning(Event.id, sort_by_parameter_order=True)
    return list(session.scalars(query, rows))


def unpublish(session: Session, *, ids: list[int]) -> None:
    """Hand events back to the outbox relay (a batch whose own publishing failed)."""
    if ids:
        session.execute(update(Event).where(Event.id.in_(ids)).values(published_at=None)
                        .execution_options(synchronize_session=False))
