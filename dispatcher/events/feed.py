"""The live feed: stored events after a given id, for the console or for one technician.

The database is the source, so a reader sees what any process committed, and a reconnecting
client resumes exactly after the last event it saw. A technician sees only what concerns him:
his own positions, status changes of his tickets, a dispatcher's overrides that name him (so his
app can tell him a ticket was given to him), and each plan version of his region cut down to
his route; alerts are for dispatchers. `facts` reads what those rules need once for a batch of
events, and `narrow` applies them to one event without the database, so a live fan-out can
narrow each event once per technician connected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dispatcher.events.models import Event
from dispatcher.planning.models import PlanVersion
from dispatcher.technicians import service as technicians
from dispatcher.tickets.models import Ticket

# What the live views show (complaints: the console and the resident's app); `technician.`
# alone would also stream shift bookkeeping.
STREAMED = ("plan.", "alert.", "ticket.", "technician.position", "override.", "complaint.")


@dataclass(frozen=True)
class Page:
    """Events to send, and the id to continue after (past events filtered out, too)."""

    events: list[dict[str, Any]]
    cursor: int


@dataclass(frozen=True)
class Facts:
    """What narrowing a batch of events to a technician needs from the database."""

    owners: dict[int, int | None]  # ticket id -> the technician it is given to
    routes: dict[int, list[dict[str, Any]]]  # plan version -> its routes


NO_FACTS = Facts({}, {})


def streamed(kind: str) -> bool:
    """Whether events of type `kind` go to the live views."""
    return kind.startswith(STREAMED)


def last_id(session: Session) -> int:
    """The id of the newest stored event (0 if none): where a live-only reader starts."""
    return session.scalar(select(func.max(Event.id))) or 0


def after(session: Session, *, cursor: int, technician_id: int | None = None,
          limit: int = 200) -> Page:
    """Streamed events with id > `cursor`, oldest first, for everyone or for one technician."""
    kinds = or_(*(Event.type.startswith(prefix) for prefix in STREAMED))
    rows = list(session.scalars(select(Event).where(Event.id > cursor, kinds)
                                .order_by(Event.id).limit(limit)))
    if not rows:
        return Page([], cursor)
    found = [e.as_dict() for e in rows]
    if technician_id is not None:
        region = technicians.get(session, technician_id=technician_id).region
        known = facts(session, found)
        found = [kept for e in found if (kept := narrow(
            e, technician_id=technician_id, region=region, facts=known)) is not None]
    return Page(found, rows[-1].id)


def facts(session: Session, found: list[dict[str, Any]]) -> Facts:
    """The owners of the tickets and the routes of the plans that `found` mentions."""
    if not needs_facts(found):
        return NO_FACTS
    return Facts(_ticket_owners(session, found), _plan_routes(session, found))


def needs_facts(found: list[dict[str, Any]]) -> bool:
    """Whether narrowing `found` needs the database (ticket events, plan versions)."""
    return any(e["type"].startswith("ticket.") or e["type"] == "plan.updated" for e in found)


def narrow(event: dict[str, Any], *, technician_id: int, region: str,
           facts: Facts) -> dict[str, Any] | None:
    """`event` as technician `technician_id` of `region` sees it, or None if not his."""
    kind, payload = event["type"], event["payload"]
    if kind == "plan.updated":
        if payload.get("region", region) != region:
            return None
        route = _route(facts.routes.get(payload.get("version", -1), []), technician_id)
        return {**event, "payload": {**payload, "route": route}}
    if kind.startswith("ticket.") and technician_id in payload.get("crew", ()):
        return event  # a crew's step: every member hears of it
    return event if _concerns(kind, payload, facts.owners) == technician_id else None


def _concerns(kind: str, payload: dict[str, Any], owners: dict[int, int | None]) -> int | None:
    """The technician a position, override or ticket event is about (None for alerts:
    dispatchers')."""
    if kind == "technician.position" or kind.startswith("override."):
        return payload.get("technician_id")
    if kind.startswith("ticket."):
        return _owner(payload, owners)
    return None


def _owner(payload: dict[str, Any], owners: dict[int, int | None]) -> int | None:
    """The technician a ticket event concerns: the one it names, else the ticket's own."""
    if payload.get("technician_id") is not None:
        return payload["technician_id"]
    return owners.get(payload.get("ticket_id", -1))


def _ticket_owners(session: Session, found: list[dict[str, Any]]) -> dict[int, int | None]:
    ids = {e["payload"].get("ticket_id") for e in found if e["type"].startswith("ticket.")}
    ids.discard(None)
    if not ids:
        return {}
    rows = session.execute(select(Ticket.id, Ticket.technician_id).where(Ticket.id.in_(ids)))
    return {ticket_id: owner for ticket_id, owner in rows}


def _plan_routes(session: Session, found: list[dict[str, Any]]) -> dict[int, list[dict]]:
    versions = {e["payload"].get("version") for e in found if e["type"] == "plan.updated"}
    versions.discard(None)
    if not versions:
        return {}
    rows = session.execute(select(PlanVersion.version, PlanVersion.routes)
                           .where(PlanVersion.version.in_(versions)))
    return {version: routes for version, routes in rows}


def _route(routes: list[dict[str, Any]], technician_id: int) -> dict[str, Any]:
    """The technician's route among `routes` (no stops if the plan leaves him idle)."""
    return next((r for r in routes if r["technician_id"] == technician_id),
                {"technician_id": technician_id, "stops": []})
