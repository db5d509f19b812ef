"""Maintenance plan verbs and the generation of their scheduled tickets. They flush only.

The next due date is the previous due date plus the cadence when the visit was done inside its
window (due ± tolerance): the calendar stays fixed (elevators on the 1st and 16th, say), early
or late visits within the tolerance do not make it drift, and a year holds the statutory number
of visits. A visit outside its window re-anchors the calendar at its completion, so the next
interval is a full cadence rather than a catch-up squeezed after a late visit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.assets import service as assets
from dispatcher.assets.models import Asset
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict, Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.maintenance.models import MaintenancePlan
from dispatcher.maintenance.plans_file import KindDefaults, PlanSpec, default_kinds
from dispatcher.maintenance.schemas import ImportResult, PlanCreate, PlanUpdate
from dispatcher.messages import say
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import TicketCreate, Window

DAY = timedelta(days=1)


def create(session: Session, *, data: PlanCreate, now: datetime,
           kinds: dict[str, KindDefaults] | None = None) -> MaintenancePlan:
    """A plan for an asset, with the defaults of its kind for what `data` leaves unset."""
    asset = _asset(session, data.asset_id)
    kind = data.kind or asset.kind.value
    base = (kinds or default_kinds()).get(kind)

    def pick(value: Any, default: str, name: str) -> Any:
        if value is not None:
            return value
        if base is None:
            raise Invalid(f"{name} is required: there are no defaults for kind {kind!r}",
                          field=name)
        return getattr(base, default)

    cadence = pick(data.cadence_days, "cadence_days", "cadence_days")
    plan = MaintenancePlan(
        asset_id=asset.id, kind=kind, category=pick(data.category, "category", "category"),
        service_minutes=pick(data.service_minutes, "service_min", "service_minutes"),
        cadence_days=cadence,
        tolerance_days=pick(data.tolerance_days, "tolerance_days", "tolerance_days"),
        next_due=data.first_due or now + cadence * DAY, active=data.active,
        description=data.description,
        checklist=[item.model_dump(mode="json") for item in (
            data.checklist if data.checklist is not None else base.checklist if base else ())])
    _check_window(plan)
    session.add(plan)
    session.flush()
    return plan


def get(session: Session, *, plan_id: int) -> MaintenancePlan:
    """The plan, or `NotFound`."""
    plan = session.get(MaintenancePlan, plan_id)
    if plan is None:
        raise NotFound(f"maintenance plan {plan_id} not found", field="plan_id")
    return plan


def list_(session: Session, *, asset_id: int | None = None,
          site_id: str | None = None) -> list[MaintenancePlan]:
    """Plans by id, optionally of one asset or of one site's assets."""
    query = select(MaintenancePlan).order_by(MaintenancePlan.id)
    if asset_id is not None:
        query = query.where(MaintenancePlan.asset_id == asset_id)
    if site_id is not None:
        query = query.join(Asset).where(Asset.site_id == site_id)
    return list(session.scalars(query))


def update(session: Session, *, plan_id: int, data: PlanUpdate) -> MaintenancePlan:
    """Change the given fields (a new `next_due` moves the next occurrence)."""
    plan = get(session, plan_id=plan_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise Invalid(f"{key} cannot be null", field=key)
        if key == "checklist":  # stored as JSON: enums as their values
            value = [item.model_dump(mode="json") for item in data.checklist]
        setattr(plan, key, value)
    _check_window(plan)
    session.flush()
    return plan


def delete(session: Session, *, plan_id: int) -> None:
    """Remove a plan that never generated a ticket; otherwise deactivate it instead."""
    plan = get(session, plan_id=plan_id)
    used = session.scalar(select(func.count()).where(Ticket.maintenance_plan_id == plan_id))
    if used:
        raise Conflict(f"maintenance plan {plan_id} has {used} ticket(s); set active=false "
                       "instead of deleting it", field="plan_id")
    session.delete(plan)
    session.flush()


def import_(session: Session, *, kinds: dict[str, KindDefaults], specs: list[PlanSpec],
            now: datetime) -> ImportResult:
    """Create or update (by asset and kind) the plans of a parsed plans file."""
    result = ImportResult(created=[], updated=[])
    for spec in specs:
        for asset in _targets(session, spec):
            plan_id, created = _upsert(session, asset, spec, kinds, now)
            (result.created if created else result.updated).append(plan_id)
    return result


def _upsert(session: Session, asset: Asset, spec: PlanSpec, kinds: dict[str, KindDefaults],
            now: datetime) -> tuple[int, bool]:
    """One asset's plan from a file entry: (plan id, created?)."""
    values = {("service_minutes" if k == "service_min" else k): v for k, v in spec.values.items()}
    kind = values.get("kind", asset.kind.value)
    existing = session.scalars(select(MaintenancePlan).where(
        MaintenancePlan.asset_id == asset.id, MaintenancePlan.kind == kind)).first()
    if existing is None:
        data = PlanCreate(asset_id=asset.id, **values)
        return create(session, data=data, now=now, kinds=kinds).id, True
    # The kind and category identify the plan; a new first due date moves the next visit.
    changes = {k: v for k, v in values.items() if k not in ("kind", "category", "first_due")}
    if "first_due" in values:
        changes["next_due"] = values["first_due"]
    update(session, plan_id=existing.id, data=PlanUpdate(**changes))
    return existing.id, False


def generate(session: Session, *, now: datetime, horizon: timedelta,
             policy: SlaPolicy) -> list[Ticket]:
    """Scheduled tickets for every active plan whose next window opens within `horizon`.

    Idempotent: an occurrence that already has a ticket is skipped (the unique constraint on
    (plan, due) backs this up); a cancelled occurrence is skipped and the calendar moves on.
    """
    made = []
    plans = session.scalars(select(MaintenancePlan).where(MaintenancePlan.active.is_(True)))
    for plan in list(plans):
        while plan.next_due - plan.tolerance_days * DAY - horizon <= now:
            existing = _occurrence(session, plan)
            if existing is None:
                made.append(_ticket(session, plan, now, policy))
                break
            if existing.status is not Status.cancelled:
                break
            plan.next_due += plan.cadence_days * DAY  # a cancelled visit is skipped
    session.flush()
    return made


def complete(session: Session, *, ticket: Ticket) -> MaintenancePlan | None:
    """Move a plan on after its ticket's visit (see the module docstring for the rule)."""
    if ticket.maintenance_plan_id is None or ticket.maintenance_due is None:
        return None
    plan = get(session, plan_id=ticket.maintenance_plan_id)
    done = ticket.completed_at
    assert done is not None, "complete() is called on completed tickets"
    plan.last_done = done
    inside = ticket.window is not None and ticket.window[0] <= done <= ticket.window[1]
    following = (ticket.maintenance_due if inside else done) + plan.cadence_days * DAY
    plan.next_due = max(plan.next_due, following)
    session.flush()
    return plan


def on_time(ticket: Ticket) -> bool:
    """A preventive visit done inside its window."""
    return (ticket.window is not None and ticket.completed_at is not None
            and ticket.window[0] <= ticket.completed_at <= ticket.window[1])


def _ticket(session: Session, plan: MaintenancePlan, now: datetime,
            policy: SlaPolicy) -> Ticket:
    asset = assets.get(session, asset_id=plan.asset_id)
    due, tol = plan.next_due, plan.tolerance_days * DAY
    local = due.date().isoformat()
    data = TicketCreate(
        urgency=Urgency.scheduled, category=plan.category, lat=asset.lat, lon=asset.lon,
        site_id=asset.site_id, building=asset.building, unit=asset.unit,
        description=say("preventive", kind=plan.kind, asset=asset.name, day=local,
                        days=plan.tolerance_days, id=plan.id),
        service_minutes=plan.service_minutes, reported_at=now,
        window=Window(start=due - tol, end=due + tol), asset_id=asset.id)
    ticket = tickets.create(session, data=data, now=now, policy=policy)
    ticket.maintenance_plan_id, ticket.maintenance_due = plan.id, due
    # The visit's deadline is its window: never a resolve deadline inside it.
    latest = due + tol + plan.service_minutes * timedelta(minutes=1)
    if ticket.resolve_by is not None and ticket.resolve_by < latest:
        ticket.resolve_by = latest
    session.flush()
    events.record(session, type="maintenance.generated", at=now, payload={
        "ticket_id": ticket.id, "plan_id": plan.id, "due": due.isoformat(),
        "region": ticket.region})
    return ticket


def _occurrence(session: Session, plan: MaintenancePlan) -> Ticket | None:
    return session.scalars(select(Ticket).where(
        Ticket.maintenance_plan_id == plan.id, Ticket.maintenance_due == plan.next_due)).first()


def _asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise Invalid(f"asset {asset_id} not found", field="asset_id")
    return asset


def _targets(session: Session, spec: PlanSpec) -> list[Asset]:
    if spec.asset_id is not None:
        asset = session.get(Asset, spec.asset_id)
        if asset is None:
            raise Invalid(f"line {spec.line}: asset_id {spec.asset_id} not found",
                          field="asset_id")
        return [asset]
    found = assets.list_(session, site_id=spec.site_id, kind=spec.asset_kind)
    if not found:
        where = f" at site {spec.site_id}" if spec.site_id else ""
        raise Invalid(f"line {spec.line}: no asset of kind {spec.asset_kind}{where}",
                      field="asset_kind")
    return found


def _check_window(plan: MaintenancePlan) -> None:
    if 2 * plan.tolerance_days >= plan.cadence_days:
        raise Invalid(f"tolerance_days ({plan.tolerance_days}) must be less than half of "
                      f"cadence_days ({plan.cadence_days}): windows would overlap",
                      field="tolerance_days")
