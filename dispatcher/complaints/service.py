"""Complaint verbs: file (deadlines from the SLA policy's topic), acknowledge, explain,
close. Each step happens once and in order (an explanation acknowledges too; closing needs
the explanation). They flush; the caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.complaints.models import Complaint, ComplaintState
from dispatcher.complaints.schemas import ComplaintCreate, ComplaintRead
from dispatcher.errors import Conflict, Invalid, NotFound
from dispatcher.events import service as events
from dispatcher.sla.policy import SlaPolicy

MIN = timedelta(minutes=1)
ORDER = (ComplaintState.open, ComplaintState.acknowledged, ComplaintState.explained,
         ComplaintState.closed)


def file(session: Session, *, site_id: str, building: str, unit: str, data: ComplaintCreate,
         now: datetime, policy: SlaPolicy) -> Complaint:
    """A new complaint with its topic's three deadlines."""
    level = policy.complaints[data.topic]
    complaint = Complaint(
        site_id=site_id, building=building, unit=unit, topic=data.topic, text=data.text,
        state=ComplaintState.open, made_at=now,
        acknowledge_by=now + level.acknowledge_min * MIN,
        explain_by=now + level.explain_min * MIN, close_by=now + level.close_min * MIN)
    session.add(complaint)
    session.flush()
    _record(session, complaint, "filed", now)
    return complaint


def get(session: Session, *, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"complaint {complaint_id} not found", field="complaint_id")
    return complaint


def list_(session: Session, *, state: ComplaintState | None = None, site_id: str | None = None,
          building: str | None = None, unit: str | None = None) -> list[Complaint]:
    """Newest first, optionally narrowed (a unit's for its resident)."""
    query = select(Complaint).order_by(Complaint.made_at.desc(), Complaint.id.desc())
    for column, value in ((Complaint.state, state), (Complaint.site_id, site_id),
                          (Complaint.building, building), (Complaint.unit, unit)):
        if value is not None:
            query = query.where(column == value)
    return list(session.scalars(query.limit(500)))


def acknowledge(session: Session, *, complaint_id: int, by: str, now: datetime) -> Complaint:
    """Someone at the desk has taken it."""
    complaint = _step(session, complaint_id, ComplaintState.acknowledged)
    complaint.acknowledged_at, complaint.handled_by = now, by
    _record(session, complaint, "acknowledged", now, by=by)
    return complaint


def explain(session: Session, *, complaint_id: int, by: str, text: str,
            now: datetime) -> Complaint:
    """The resident's explanation (the cause found, what will be done)."""
    if not text.strip():
        raise Invalid("an explanation needs its text", field="text")
    complaint = _step(session, complaint_id, ComplaintState.explained)
    complaint.acknowledged_at = complaint.acknowledged_at or now
    complaint.explained_at, complaint.explanation, complaint.handled_by = now, text, by
    _record(session, complaint, "explained", now, by=by)
    return complaint


def close(session: Session, *, complaint_id: int, by: str, text: str, now: datetime) -> Complaint:
    """Closed with the outcome the resident reads."""
    if not text.strip():
        raise Invalid("closing needs the outcome", field="text")
    complaint = get(session, complaint_id=complaint_id)
    if complaint.state is not ComplaintState.explained:
        raise Conflict(f"complaint {complaint_id} is {complaint.state.value}: explain it to the "
                       "resident before closing it", field="state")
    complaint.state, complaint.closed_at, complaint.outcome = ComplaintState.closed, now, text
    complaint.handled_by = by
    session.flush()
    _record(session, complaint, "closed", now, by=by)
    return complaint


def read(complaint: Complaint, now: datetime) -> ComplaintRead:
    """The complaint with the milestones now overdue."""
    late = [name for name, due, done in (
        ("acknowledge", complaint.acknowledge_by, complaint.acknowledged_at),
        ("explain", complaint.explain_by, complaint.explained_at),
        ("close", complaint.close_by, complaint.closed_at)) if done is None and due < now]
    return ComplaintRead.model_validate(complaint).model_copy(update={"overdue": late})


def _step(session: Session, complaint_id: int, target: ComplaintState) -> Complaint:
    complaint = get(session, complaint_id=complaint_id)
    if ORDER.index(complaint.state) >= ORDER.index(target):
        raise Conflict(f"complaint {complaint_id} is already {complaint.state.value}",
                       field="state")
    complaint.state = target
    session.flush()
    return complaint


def _record(session: Session, complaint: Complaint, what: str, now: datetime,
            **extra: object) -> None:
    events.record(session, type=f"complaint.{what}", at=now, payload={
        "complaint_id": complaint.id, "site_id": complaint.site_id,
        "building": complaint.building, "unit": complaint.unit,
        "topic": complaint.topic.value, **extra})
