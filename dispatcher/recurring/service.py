"""Detect repeated faults and propose a root-cause fix. They flush only.

When a fault ticket arrives, the reactive faults of its category at the same asset, unit and
building within the window are counted; at a scope's threshold a `recurring_faults` row (the
proposal) and a `recurring_fault` alert are opened, once: later faults update the same open
row and alert. A dispatcher then accepts the proposal, which creates the root-cause ticket (a
routine ticket in state new, linked from the row), or dismisses it. Either closes the alert;
faults counted towards a decided proposal do not count again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dispatcher.alerts.models import Alert, AlertKind, AlertState
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict, NotFound
from dispatcher.events import service as events
from dispatcher.messages import say
from dispatcher.recurring.models import RecurringFault, RecurringState, Scope
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate


@dataclass(frozen=True)
class Thresholds:
    """How many faults of one category within `window` make a repeat, per scope."""

    window: timedelta = timedelta(days=30)
    asset: int = 3
    unit: int = 3
    building: int = 6

    def of(self, scope: Scope) -> int:
        return {Scope.asset: self.asset, Scope.unit: self.unit,
                Scope.building: self.building}[scope]


@dataclass(frozen=True)
class Place:
    """The key of a scope: which columns must match."""

    scope: Scope
    site_id: str | None
    building: str | None = None
    unit: str | None = None
    asset_id: int | None = None

    def label(self) -> str:
        if self.scope is Scope.asset:
            return f"asset {self.asset_id}"
        where = f"building {self.building}" + (f" unit {self.unit}" if self.unit else "")
        return where + (f" ({self.site_id})" if self.site_id else "")


def places(ticket: Ticket) -> list[Place]:
    """The scopes a fault ticket counts towards."""
    found = []
    if ticket.asset_id is not None:
        found.append(Place(Scope.asset, None, asset_id=ticket.asset_id))
    if ticket.building is not None and ticket.unit is not None:
        found.append(Place(Scope.unit, ticket.site_id, ticket.building, ticket.unit))
    if ticket.building is not None:
        found.append(Place(Scope.building, ticket.site_id, ticket.building))
    return found


def detect(session: Session, *, ticket: Ticket, now: datetime,
           thresholds: Thresholds) -> list[RecurringFault]:
    """Open or update the proposals a new fault ticket completes (none for preventive work, nor
    for a probable repeat report of a fault still open: one power cut is one fault)."""
    if ticket.preventive or ticket.duplicate_candidate is not None:
        return []
    changed = []
    for place in places(ticket):
        row = _open_row(session, place, ticket)
        decided = _last_decided(session, place, ticket)
        faults = _faults(session, place, ticket, ticket.reported_at - thresholds.window, decided)
        if row is None and len(faults) < thresholds.of(place.scope):
            continue
        changed.append(_record(session, row, place, ticket, faults, now))
    return changed


def list_(session: Session, *, state: RecurringState | None = None) -> list[RecurringFault]:
    """Proposals, newest first."""
    query = select(RecurringFault).order_by(RecurringFault.id.desc())
    if state is not None:
        query = query.where(RecurringFault.state == state)
    return list(session.scalars(query))


def accept(session: Session, *, recurring_id: int, by: str, now: datetime,
           policy: SlaPolicy) -> RecurringFault:
    """Create the root-cause ticket of an open proposal and close its alert."""
    row = _pending(session, recurring_id)
    last = tickets.get(session, ticket_id=row.ticket_ids[-1])
    place = Place(row.scope, row.site_id, row.building, row.unit, row.asset_id)
    ids = ", ".join(f"#{i}" for i in row.ticket_ids)
    data = TicketCreate(
        urgency=Urgency.routine, category=row.category, lat=last.lat, lon=last.lon,
        site_id=last.site_id, building=last.building,
        unit=row.unit if row.scope is not Scope.building else None,
        description=f"Root cause: {row.count} {row.category.value} faults at {place.label()} "
                    f"within the window (tickets {ids}). Find and fix the underlying cause.",
        reported_at=now, asset_id=row.asset_id)
    row.root_cause_ticket_id = tickets.create(session, data=data, now=now, policy=policy).id
    return _decide(session, row, RecurringState.accepted, by, now)


def dismiss(session: Session, *, recurring_id: int, by: str, now: datetime) -> RecurringFault:
    """Close an open proposal without a root-cause ticket."""
    return _decide(session, _pending(session, recurring_id), RecurringState.dismissed, by, now)


def _match(query: Select, place: Place, model: type) -> Select:  # type: ignore[type-arg]
    columns = {"site_id": place.site_id, "building": place.building, "unit": place.unit,
               "asset_id": place.asset_id}
    keys = {Scope.asset: ("asset_id",), Scope.unit: ("site_id", "building", "unit"),
            Scope.building: ("site_id", "building")}[place.scope]
    for key in keys:
        column, value = getattr(model, key), columns[key]
        query = query.where(column.is_(None) if value is None else column == value)
    return query


def _faults(session: Session, place: Place, ticket: Ticket, since: datetime,
            decided: datetime | None) -> list[Ticket]:
    """The faults counted: in the window, and reported after the last decision at the place."""
    root_causes = select(RecurringFault.root_cause_ticket_id).where(
        RecurringFault.root_cause_ticket_id.is_not(None))
    query = _match(select(Ticket), place, Ticket).where(
        Ticket.category == ticket.category, Ticket.maintenance_plan_id.is_(None),
        Ticket.status != Status.cancelled, Ticket.reported_at >= since,
        Ticket.duplicate_candidate.is_(None), Ticket.duplicate_of.is_(None),
        Ticket.reported_at <= ticket.reported_at, Ticket.id.not_in(root_causes))
    if decided is not None:
        query = query.where(Ticket.reported_at > decided)
    return list(session.scalars(query.order_by(Ticket.reported_at, Ticket.id)))


def _open_row(session: Session, place: Place, ticket: Ticket) -> RecurringFault | None:
    query = _match(select(RecurringFault), place, RecurringFault).where(
        RecurringFault.scope == place.scope, RecurringFault.category == ticket.category,
        RecurringFault.state == RecurringState.open)
    return session.scalars(query).first()


def _last_decided(session: Session, place: Place, ticket: Ticket) -> datetime | None:
    query = _match(select(RecurringFault.closed_at), place, RecurringFault).where(
        RecurringFault.scope == place.scope, RecurringFault.category == ticket.category,
        RecurringFault.state != RecurringState.open)
    latest = session.scalars(query.order_by(RecurringFault.closed_at.desc()).limit(1)).first()
    return latest


def _record(session: Session, row: RecurringFault | None, place: Place, ticket: Ticket,
            faults: list[Ticket], now: datetime) -> RecurringFault:
    ids = sorted({*(row.ticket_ids if row else []), *(t.id for t in faults)})
    message = say("recurring", n=len(ids), category=ticket.category.value,
                  place=place.label(), ids=", ".join(f"#{i}" for i in ids))
    if row is None:
        row = RecurringFault(
            scope=place.scope, category=ticket.category, site_id=place.site_id,
            building=place.building, unit=place.unit, asset_id=place.asset_id, ticket_ids=ids,
            count=len(ids), first_at=faults[0].reported_at, last_at=ticket.reported_at,
            state=RecurringState.open, opened_at=now)
        alert = Alert(kind=AlertKind.recurring_fault, state=AlertState.open, level=1,
                      ticket_id=ticket.id, milestones="", message=message, opened_at=now,
                      updated_at=now)
        session.add_all([row, alert])
        session.flush()
        row.alert_id = alert.id
        verb = "opened"
    else:
        row.ticket_ids, row.count, row.last_at = ids, len(ids), ticket.reported_at
        alert = session.get(Alert, row.alert_id) if row.alert_id else None
        if alert is not None:
            alert.message, alert.updated_at, alert.ticket_id = message, now, ticket.id
        verb = "updated"
    session.flush()
    if alert is not None:
        events.record(session, type=f"alert.{verb}", at=now, payload={
            "alert_id": alert.id, "kind": alert.kind.value, "level": alert.level,
            "ticket_id": alert.ticket_id, "technician_id": None, "message": message})
    events.record(session, type="recurring.detected", at=now, payload={
        "recurring_id": row.id, "scope": row.scope.value, "count": row.count,
        "ticket_id": ticket.id})
    return row


def _pending(session: Session, recurring_id: int) -> RecurringFault:
    row = session.get(RecurringFault, recurring_id)
    if row is None:
        raise NotFound(f"recurring fault {recurring_id} not found", field="recurring_id")
    if row.state is not RecurringState.open:
        raise Conflict(f"recurring fault {recurring_id} is already {row.state.value}",
                       field="recurring_id")
    return row


def _decide(session: Session, row: RecurringFault, state: RecurringState, by: str,
            now: datetime) -> RecurringFault:
    row.state, row.closed_at, row.closed_by = state, now, by
    alert = session.get(Alert, row.alert_id) if row.alert_id else None
    if alert is not None and alert.state is not AlertState.resolved:
        alert.state, alert.resolved_at, alert.updated_at = AlertState.resolved, now, now
        events.record(session, type="alert.recovered", at=now, payload={
            "alert_id": alert.id, "kind": alert.kind.value, "level": alert.level,
            "ticket_id": alert.ticket_id, "technician_id": None, "message": alert.message})
    events.record(session, type=f"recurring.{state.value}", at=now, payload={
        "recurring_id": row.id, "root_cause_ticket_id": row.root_cause_ticket_id})
    session.flush()
    return row
