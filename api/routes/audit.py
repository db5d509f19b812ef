"""The audit trail, read-only: admins see who changed what; nothing here changes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, EngineDep
from dispatcher.audit.schemas import AuditQuery, AuditRead
from dispatcher.auth.models import Role
from dispatcher.errors import Forbidden
from dispatcher.schemas import AwareDatetime

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("")
def list_audit(
    engine: EngineDep, user: CurrentUser,
    actor: Annotated[str | None, Query(max_length=64, description="an account name")] = None,
    subject: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+(:[^:]*)?$",
                                         description="e.g. ticket:12, or ticket")] = None,
    action: Annotated[str | None, Query(max_length=128,
                                        description="a part of it, e.g. cancel")] = None,
    since: Annotated[AwareDatetime | None, Query(description="from this time")] = None,
    until: Annotated[AwareDatetime | None, Query(description="before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRead]:
    """Changes made by people, newest first; admins only."""
    if user.role is not Role.admin:
        raise Forbidden("the audit trail is for admins", field="Authorization")
    return engine.audit(AuditQuery(actor=actor, subject=subject, action=action, since=since,
                                   until=until, limit=limit))
