"""Inspection verbs: answer a checklist item on site; an abnormal answer opens a repair.

The checklist is the plan's, read when the ticket is opened; an answer keeps a copy of its
item, so later edits to the plan do not rewrite what was found. Answering again replaces the
answer (a misread gauge); a repair ticket already raised stays for the dispatcher to judge.
Functions flush; the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher import closed_loop
from dispatcher.auth.tokens import Principal
from dispatcher.config import Settings
from dispatcher.enums import Status, Urgency
from dispatcher.errors import Conflict, Invalid
from dispatcher.events import service as events
from dispatcher.fieldwork import service as fieldwork
from dispatcher.inspections.checklist import ChecklistItem, ItemKind, abnormal, normal_range
from dispatcher.inspections.models import InspectionAnswer
from dispatcher.inspections.schemas import Answer, AnswerRead, InspectionRead, ItemRead
from dispatcher.maintenance.models import MaintenancePlan
from dispatcher.messages import say
from dispatcher.photos import service as photos
from dispatcher.photos.models import Photo, PhotoTag
from dispatcher.sla.policy import SlaPolicy
from dispatcher.tickets import service as tickets
from dispatcher.tickets.models import Ticket
from dispatcher.tickets.schemas import Follows, TicketCreate


def checklist(session: Session, ticket: Ticket) -> list[ChecklistItem]:
    """The items of the ticket's round: its plan's checklist (none for other tickets)."""
    if ticket.maintenance_plan_id is None:
        return []
    plan = session.get(MaintenancePlan, ticket.maintenance_plan_id)
    return [ChecklistItem.model_validate(raw) for raw in (plan.checklist if plan else [])]


def answers(session: Session, ticket_id: int) -> dict[str, InspectionAnswer]:
    """The ticket's answers by item key."""
    rows = session.scalars(select(InspectionAnswer).where(InspectionAnswer.ticket_id == ticket_id))
    return {row.key: row for row in rows}


def missing(session: Session, ticket: Ticket) -> list[str]:
    """Keys of the round's items not answered yet."""
    given = answers(session, ticket.id)
    return [item.key for item in checklist(session, ticket) if item.key not in given]


def read(session: Session, *, ticket_id: int, who: Principal | None) -> InspectionRead:
    """The round of a ticket `who` may see: items, answers, what is left, faults raised."""
    ticket = fieldwork.mine(session, ticket_id=ticket_id, who=who)
    given = answers(session, ticket.id)
    items = checklist(session, ticket)
    shown = [ItemRead(**item.model_dump(), answer=_answer(given.get(item.key))) for item in items]
    return InspectionRead(
        ticket_id=ticket.id, plan_id=ticket.maintenance_plan_id, items=shown,
        missing=[item.key for item in items if item.key not in given],
        faults=sorted({a.raised_ticket_id for a in given.values() if a.raised_ticket_id}))


def answer(session: Session, *, ticket_id: int, who: Principal | None, data: Answer,
           photo: bytes | None, now: datetime, directory: Path, max_bytes: int,
           settings: Settings, policy: SlaPolicy) -> InspectionAnswer:
    """Record one item's answer on site; a fault found opens a linked repair ticket."""
    ticket = fieldwork.mine(session, ticket_id=ticket_id, who=who)
    at = data.at or now
    if ticket.status is not Status.on_site:
        raise Conflict(f"ticket {ticket.id} is {ticket.status.value}; a checklist is answered "
                       "on site (check in first)", field="status")
    item = next((i for i in checklist(session, ticket) if i.key == data.key), None)
    if item is None:
        keys = ", ".join(i.key for i in checklist(session, ticket)) or "none: no checklist"
        raise Invalid(f"ticket {ticket.id} has no checklist item {data.key!r} (items: {keys})",
                      field="key")
    _check_shape(item, data)
    row = answers(session, ticket.id).get(item.key)
    if item.photo and photo is None and (row is None or row.photo_id is None):
        raise Invalid(f"item {item.key!r} needs a photo with its answer", field="file")
    photo_row = None if photo is None else photos.add(
        session, ticket_id=ticket.id, who=who, data=photo, tag=PhotoTag.inspection,
        taken_at=at, now=now, directory=directory, max_bytes=max_bytes)
    if row is None:
        row = InspectionAnswer(ticket_id=ticket.id, key=item.key, answered_by="")
        session.add(row)
    row.item = item.model_dump(mode="json")
    row.ok, row.value, row.note = data.ok, data.value, data.note
    row.abnormal = abnormal(item, ok=data.ok, value=data.value)
    row.photo_id = photo_row.id if photo_row is not None else row.photo_id
    row.answered_by = who.username if who is not None else "system"
    row.answered_at = at
    session.flush()
    if row.abnormal and row.raised_ticket_id is None:
        row.raised_ticket_id = _raise(session, ticket, item, row, at, settings, policy).id
    events.record(session, type="inspection.answered", at=now, payload={
        "ticket_id": ticket.id, "technician_id": ticket.technician_id, "region": ticket.region,
        "key": item.key, "abnormal": row.abnormal, "raised_ticket_id": row.raised_ticket_id})
    session.flush()
    return row


def require_done(session: Session, ticket: Ticket) -> None:
    """Refuse completing an inspection whose checklist is not all answered."""
    left = missing(session, ticket)
    if left:
        raise Conflict(f"ticket {ticket.id}: answer the checklist first; not answered: "
                       f"{', '.join(left)}", field="checklist")


def _check_shape(item: ChecklistItem, data: Answer) -> None:
    if item.kind is ItemKind.check:
        if data.ok is None or data.value is not None:
            raise Invalid(f"item {item.key!r} is a check: answer ok (true = normal, false = "
                          "abnormal) without a value", field="ok")
    elif data.value is None or data.ok is not None:
        raise Invalid(f"item {item.key!r} is a reading: answer its value"
                      f"{f' in {item.unit}' if item.unit else ''} without ok", field="value")


def _raise(session: Session, inspection: Ticket, item: ChecklistItem, row: InspectionAnswer,
           at: datetime, settings: Settings, policy: SlaPolicy) -> Ticket:
    """The repair of a fault found: a routine ticket on the same asset, linked to the
    inspection (planned once the inspection is done), carrying the answer's photo."""
    reason = say("inspection_abnormal") if item.kind is ItemKind.check else say(
        "inspection_reading", value=f"{row.value:g}{f' {item.unit}' if item.unit else ''}",
        range=normal_range(item))
    text = say("inspection_fault_note", id=inspection.id, item=item.label, reason=reason,
               note=row.note) if row.note else say("inspection_fault", id=inspection.id,
                                                  item=item.label, reason=reason)
    repair = tickets.create(session, now=at, policy=policy, data=TicketCreate(
        urgency=Urgency.routine, category=inspection.category, lat=inspection.lat,
        lon=inspection.lon, site_id=inspection.site_id, building=inspection.building,
        unit=inspection.unit, asset_id=inspection.asset_id, description=text[:4000],
        reported_at=at, follows=Follows(ticket_id=inspection.id)))
    repair.follow_up_of = inspection.id
    if row.photo_id is not None:
        shown = session.get(Photo, row.photo_id)
        assert shown is not None
        session.add(Photo(ticket_id=repair.id, sha256=shown.sha256, tag=PhotoTag.inspection,
                          content_type=shown.content_type, bytes=shown.bytes,
                          uploaded_by=shown.uploaded_by, taken_at=shown.taken_at,
                          uploaded_at=shown.uploaded_at))
    session.flush()
    events.record(session, type="inspection.fault_found", at=at, payload={
        "ticket_id": repair.id, "inspection_id": inspection.id, "key": item.key,
        "region": repair.region})
    closed_loop.after_create(session, ticket=repair, now=at, settings=settings)
    return repair


def _answer(row: InspectionAnswer | None) -> AnswerRead | None:
    return None if row is None else AnswerRead.model_validate(row, from_attributes=True)
