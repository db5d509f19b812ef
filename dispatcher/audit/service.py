"""Audit verbs: record an entry, list entries. They flush; the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.audit.models import AuditEntry
from dispatcher.audit.schemas import AuditQuery


def record(session: Session, *, at: datetime, actor: str, actor_id: int, role: str,
           address: str, action: str, subject: str, status_code: int, request: Any,
           before: Any, after: Any) -> AuditEntry:
    """Append one entry."""
    entry = AuditEntry(at=at, actor=actor, actor_id=actor_id, role=role, address=address[:64],
                       action=action[:128], subject=subject[:64], status_code=status_code,
                       request=request, before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def list_(session: Session, *, query: AuditQuery) -> list[AuditEntry]:
    """The entries matching `query`, newest first."""
    found = select(AuditEntry)
    if query.actor is not None:
        found = found.where(AuditEntry.actor == query.actor)
    if query.subject is not None:
        found = found.where(AuditEntry.subject == query.subject if ":" in query.subject
                            else AuditEntry.subject.startswith(f"{query.subject}:"))
    if query.action is not None:
        found = found.where(AuditEntry.action.contains(query.action))
    if query.since is not None:
        found = found.where(AuditEntry.at >= query.since)
    if query.until is not None:
        found = found.where(AuditEntry.at < query.until)
    return list(session.scalars(found.order_by(AuditEntry.id.desc()).limit(query.limit)))
