"""Evaluate the SLA state at one instant and reconcile it with the stored alerts.

Each check yields the alerts that *should* be open now; the reconciliation opens what is new,
updates what changed, resolves what cleared ("recovered") and escalates what waited too long
unacknowledged. Breaches stay until their ticket is finished: a breach is a fact, not a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from dispatcher.alerts.models import REPORTED_KINDS, Alert, AlertKind, AlertState
from dispatcher.enums import OPEN_STATUSES, Status, Urgency
from dispatcher.events import service as events
from dispatcher.messages import say
from dispatcher.overrides.models import HELD_BY
from dispatcher.technicians import service as technicians
from dispatcher.technicians.shifts import current_shift
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket

Key = tuple[AlertKind, int | None, int | None]  # kind, ticket id, technician id
# The kinds this monitor owns; others (recurring faults) are opened and resolved elsewhere.
SLA_KINDS = tuple(k for k in AlertKind
                  if k is not AlertKind.recurring_fault and k not in REPORTED_KINDS)


# What `ticket_findings` reads: rows of these columns, not ORM objects (the check runs after
# every re-plan; loading 2,000 open tickets as objects cost it most of 200 ms).
_READ = (Ticket.id, Ticket.status, Ticket.urgency, Ticket.category, Ticket.reported_at,
         Ticket.window_start, Ticket.unassigned_reason, Ticket.respond_by, Ticket.accepted_at,
         Ticket.arrive_by, Ticket.on_site_at, Ticket.planned_eta, Ticket.resolve_by,
         Ticket.completed_at, Ticket.planned_end)


@dataclass(frozen=True)
class AlertPolicy:
    """Margins and delays of the monitor."""

    at_risk_margin: timedelta = timedelta(minutes=10)
    unassigned_after: timedelta = timedelta(minutes=10)
    stale_gps_after: timedelta = timedelta(minutes=10)
    escalate_after: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Finding:
    """An alert that should be open now."""

    milestones: str
    message: str


Milestone = tuple[str, datetime | None, datetime | None, datetime | None]


def _milestones(t: Ticket | Row[Any]) -> list[Milestone]:
    """(name, deadline, reached at, predicted at) for each SLA milestone of a ticket."""
    return [("respond", t.respond_by, t.accepted_at, None),
            ("arrive", t.arrive_by, t.on_site_at, t.planned_eta),
            ("resolve", t.resolve_by, t.completed_at, t.planned_end)]


def ticket_findings(t: Ticket | Row[Any], now: datetime, policy: AlertPolicy
                    ) -> dict[Key, Finding]:
    """What is wrong with one open ticket right now (a `Ticket`, or a row of `_READ`)."""
    found: dict[Key, Finding] = {}
    breached, predicted, risky = [], [], []
    for name, deadline, reached, forecast in _milestones(t):
        if deadline is None:
            continue
        if (reached is None and deadline <= now) or (reached is not None and reached > deadline):
            breached.append(name)
        elif reached is None and forecast is not None and forecast > deadline:
            predicted.append(say("late_by", milestone=name,
                                 minutes=int((forecast - deadline).total_seconds() // 60)))
        elif reached is None and deadline - now < policy.at_risk_margin:
            risky.append(say("left", milestone=name,
                             minutes=int((deadline - now).total_seconds() // 60)))
    for kind, names, key in ((AlertKind.breached, breached, "breached"),
                             (AlertKind.predicted_breach, predicted, "predicted"),
                             (AlertKind.at_risk, risky, "at_risk")):
        if names:
            found[(kind, t.id, None)] = Finding(
                ",".join(n.split(" ")[0] for n in names),
                say(key, id=t.id, urgency=t.urgency.value, category=t.category.value,
                    names=", ".join(names)))
    # An appointment made days ahead is not waiting before its window opens.
    waiting = now - max(t.reported_at, t.window_start or t.reported_at)
    # An emergency a plan could not place is the dispatcher's at once: its whole arrival
    # allowance may be shorter than the wait before other tickets are raised.
    unplaced = (t.urgency is Urgency.emergency and t.unassigned_reason is not None
                and not t.unassigned_reason.startswith(HELD_BY))
    if t.status is Status.new and (waiting >= policy.unassigned_after or unplaced):
        key = "unplaced" if unplaced else "unassigned_why" if t.unassigned_reason else "unassigned"
        found[(AlertKind.unassigned, t.id, None)] = Finding("", say(
            key, id=t.id, minutes=int(waiting.total_seconds() // 60), reason=t.unassigned_reason))
    return found


def gps_findings(session: Session, now: datetime, tz: ZoneInfo,
                 policy: AlertPolicy) -> dict[Key, Finding]:
    """Technicians on shift whose last GPS fix is older than the policy allows, counted from
    the latest of his last fix, his shift's start and his creation (none is owed before)."""
    found: dict[Key, Finding] = {}
    for tech in technicians.list_(session):
        shift = current_shift(tech.shift_start, tech.shift_end, now, tz)
        if shift is None:
            continue
        since, what = max((t, name) for t, name in (
            (shift[0], "since his shift began"), (tech.created_at, "since he was added"),
            (tech.position_at, "since his last fix")) if t is not None)
        if now - since >= policy.stale_gps_after:
            found[(AlertKind.stale_gps, None, tech.id)] = Finding("", say(
                "stale_gps", id=tech.id, name=tech.name,
                minutes=int((now - since).total_seconds() // 60), since=what,
                clock=f"{since.astimezone(tz):%H:%M}"))
    return found


def evaluate(session: Session, *, now: datetime, tz: ZoneInfo, policy: AlertPolicy) -> list[Alert]:
    """Reconcile stored alerts with the findings at `now`; returns alerts that changed."""
    findings: dict[Key, Finding] = {}
    for ticket in session.execute(select(*_READ).where(Ticket.status.in_(OPEN_STATUSES))):
        findings.update(ticket_findings(ticket, now, policy))
    findings.update(gps_findings(session, now, tz, policy))
    live = {(a.kind, a.ticket_id, a.technician_id): a for a in session.scalars(
        select(Alert).where(Alert.state != AlertState.resolved, Alert.kind.in_(SLA_KINDS)))}
    changed = [_open(session, key, f, now) for key, f in findings.items() if key not in live]
    for key, alert in live.items():
        if key in findings:
            changed += _refresh(alert, findings[key], now, policy)
        elif alert.kind is not AlertKind.breached or _finished(session, alert):
            changed.append(_resolve(alert, now))
    for alert in changed:
        events.record(session, type=f"alert.{_verb(alert)}", at=now, payload=_payload(alert))
    return changed


def _open(session: Session, key: Key, finding: Finding, now: datetime) -> Alert:
    kind, ticket_id, tech_id = key
    alert = Alert(kind=kind, state=AlertState.open, level=1, ticket_id=ticket_id,
                  technician_id=tech_id, milestones=finding.milestones,
                  message=finding.message, opened_at=now, updated_at=now)
    session.add(alert)
    session.flush()
    return alert


def _refresh(alert: Alert, finding: Finding, now: datetime, policy: AlertPolicy) -> list[Alert]:
    changed = False
    if alert.milestones != finding.milestones:
        alert.milestones, alert.message, alert.updated_at = finding.milestones, finding.message, now
        changed = True
    if alert.state is AlertState.open and alert.level == 1 and (
            now - alert.opened_at >= policy.escalate_after):
        alert.level, alert.escalated_at, alert.updated_at = 2, now, now
        changed = True
    return [alert] if changed else []


def _resolve(alert: Alert, now: datetime) -> Alert:
    alert.state, alert.resolved_at, alert.updated_at = AlertState.resolved, now, now
    return alert


def _finished(session: Session, alert: Alert) -> bool:
    if alert.ticket_id is None:
        return True
    return tickets.get(session, ticket_id=alert.ticket_id).status not in OPEN_STATUSES


def _verb(alert: Alert) -> str:
    if alert.state is AlertState.resolved:
        return "recovered"
    if alert.opened_at == alert.updated_at:
        return "opened"
    return "escalated" if alert.escalated_at == alert.updated_at else "updated"


def _payload(alert: Alert) -> dict[str, object]:
    return {"alert_id": alert.id, "kind": alert.kind.value, "level": alert.level,
            "ticket_id": alert.ticket_id, "technician_id": alert.technician_id,
            "message": alert.message}
