"""The resident's app (`/resident/...`): no account; the unit's link from its QR code is the
credential, sent as `X-Unit-Key` (or `?key=` on the stream, which EventSource cannot give
headers). Each link may write `DISPATCH_RESIDENT_WRITES_PER_HOUR` times an hour. The office's
side (`/unit-links`) issues, lists and revokes links and prints a building's sheet of codes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile, status
from fastapi.responses import HTMLResponse, StreamingResponse

from api import errors
from api.deps import EngineDep, Id, StaffUser
from api.ratelimit import RateLimited
from api.routes.stream import PING_S, RETRY_MS, _broadcaster
from dispatcher.complaints.models import ComplaintState
from dispatcher.complaints.schemas import ComplaintCreate, ComplaintRead, DeskStep
from dispatcher.errors import Invalid
from dispatcher.followups.schemas import FollowUpAnswer
from dispatcher.residents.schemas import (
    LinkIssue,
    LinkRead,
    Reopen,
    ResidentReport,
    ResidentTicket,
    UnitRead,
)
from dispatcher.residents.sheet import render

router = APIRouter(prefix="/resident", tags=["resident (unit link)"])
office = APIRouter(prefix="/unit-links", tags=["unit links"])
desk = APIRouter(prefix="/complaints", tags=["complaints"])

UnitKey = Annotated[str, Header(alias="X-Unit-Key", min_length=3, max_length=80,
                                description="the unit's link token (after #k= in its URL)")]


async def counted(request: Request, engine: EngineDep, key: UnitKey) -> str:
    """A write by a link: 401/410 if the link is not live, 429 past its hourly budget."""
    link_id = await to_thread.run_sync(engine.residents.link_id, key)
    limit = engine.settings.resident_writes_per_hour
    wait = await request.app.state.limits.counters.hit(f"r:{link_id}", limit, 3600)
    if wait is not None:
        raise RateLimited(wait, f"more than {limit} reports and changes an hour from this "
                                "home's link", "X-Unit-Key")
    return key


Writer = Annotated[str, Depends(counted)]


@router.get("/me", responses=errors.declare(401, 410))
def me(engine: EngineDep, key: UnitKey) -> UnitRead:
    """The home the link opens."""
    return engine.residents.unit(key)


@router.get("/tickets", responses=errors.declare(401, 410))
def tickets(engine: EngineDep, key: UnitKey) -> list[ResidentTicket]:
    """This home's latest reports, newest first: deadlines, technician, ETA, follow-up."""
    return engine.residents.tickets(key)


@router.get("/tickets/{ticket_id}", responses=errors.declare(401, 410))
def ticket(ticket_id: Id, engine: EngineDep, key: UnitKey) -> ResidentTicket:
    return engine.residents.ticket(key, ticket_id)


@router.post("/tickets", status_code=status.HTTP_201_CREATED,
             responses=errors.declare(401, 410, 429))
def report(body: ResidentReport, engine: EngineDep, key: Writer) -> ResidentTicket:
    """Report a repair at this home; the answer carries the deadlines it got."""
    return engine.residents.report(key, body)


@router.post("/tickets/{ticket_id}/photos", status_code=status.HTTP_201_CREATED,
             responses=errors.declare(401, 410, 413, 415, 429))
def photo(ticket_id: Id, engine: EngineDep, key: Writer,
          file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")]) -> ResidentTicket:
    """A photo of the fault (at most 3 a report), judged by its bytes like a technician's."""
    data = file.file.read(engine.settings.photo_max_bytes + 1)
    return engine.residents.add_photo(key, ticket_id, data)


@router.post("/tickets/{ticket_id}/followup", responses=errors.declare(401, 410, 429))
def rate(ticket_id: Id, body: FollowUpAnswer, engine: EngineDep,
         key: Writer) -> ResidentTicket:
    """How did it go: a rating and "is it fixed?" (not fixed reopens it)."""
    return engine.residents.rate(key, ticket_id, body)


@router.post("/tickets/{ticket_id}/reopen", status_code=status.HTTP_201_CREATED,
             responses=errors.declare(401, 410, 429))
def reopen(ticket_id: Id, engine: EngineDep, key: Writer,
           body: Reopen | None = None) -> ResidentTicket:
    """The fault is back within 7 days of the repair: the linked rework ticket."""
    return engine.residents.reopen(key, ticket_id, (body or Reopen()).comment)


@router.get("/complaints", responses=errors.declare(401, 410))
def complaints(engine: EngineDep, key: UnitKey) -> list[ComplaintRead]:
    """This home's complaints, newest first, with their deadlines and the desk's answers."""
    return engine.residents.complaints(key)


@router.post("/complaints", status_code=status.HTTP_201_CREATED,
             responses=errors.declare(401, 410, 429))
def complain(body: ComplaintCreate, engine: EngineDep, key: Writer) -> ComplaintRead:
    """A complaint (投诉): acknowledged, explained and closed by the desk, each by the
    deadline the SLA policy gives its topic."""
    return engine.residents.complain(key, body)


@router.get("/stream", response_class=StreamingResponse, responses=errors.declare(401, 410))
async def stream(request: Request, engine: EngineDep,
                 key: Annotated[str, Query(min_length=3, max_length=80)]) -> StreamingResponse:
    """Server-Sent Events naming which of this home's reports or complaints changed
    (`{"ticket_id": N}`, `{"complaint_id": N}`), so the app fetches them again; nothing of
    anyone else's goes out."""
    home = await to_thread.run_sync(engine.residents.unit, key)  # 401/410 before streaming
    place = (home.site_id, home.building, home.unit)
    listener = _broadcaster(request.app).listen()
    mine = {t.id for t in await to_thread.run_sync(engine.residents.tickets, key)}

    async def messages() -> AsyncIterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n\n"
            while (batch := await listener.next(PING_S)) is not None:
                changed = set()
                for message in batch:
                    if b'"ticket_id"' not in message.data and \
                            b'"complaint_id"' not in message.data:
                        continue  # GPS fixes, plans: never a home's; skip the parse
                    event = json.loads(message.data.decode().partition("data: ")[2])
                    kind, payload = event.get("type", ""), event.get("payload") or {}
                    here = (payload.get("site_id"), payload.get("building"),
                            payload.get("unit")) == place
                    tid = payload.get("ticket_id")
                    if kind == "ticket.created" and here:
                        mine.add(tid)
                    if tid is not None and tid in mine:
                        changed.add(("ticket_id", tid))
                    if kind.startswith("complaint.") and here:
                        changed.add(("complaint_id", payload["complaint_id"]))
                if changed:
                    yield "".join(f"data: {json.dumps({kind: ident})}\n\n"
                                  for kind, ident in sorted(changed))
                elif not batch:
                    yield ": ping\n\n"
        finally:
            listener.close()
    return StreamingResponse(messages(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@office.post("", status_code=status.HTTP_201_CREATED)
def issue(body: LinkIssue, request: Request, engine: EngineDep,
          user: StaffUser) -> list[LinkRead]:
    """Links for units of a building; a unit with a live link keeps it (same code)."""
    return engine.residents.issue(body, by=user.username, base_url=_base(request))


@office.get("")
def list_links(request: Request, engine: EngineDep, site_id: str | None = None,
               building: str | None = None) -> list[LinkRead]:
    return engine.residents.links(site_id=site_id, building=building, base_url=_base(request))


@office.post("/{link_id}/revoke")
def revoke(link_id: Id, request: Request, engine: EngineDep, user: StaffUser) -> LinkRead:
    """Stop a unit's link at once (a tenant moved out); print the sheet again for a new one."""
    return engine.residents.revoke(link_id, by=user.username, base_url=_base(request))


@office.get("/sheet", response_class=HTMLResponse)
def sheet(request: Request, engine: EngineDep, site_id: Annotated[str, Query(min_length=1)],
          building: Annotated[str, Query(min_length=1)]) -> HTMLResponse:
    """The building's live codes as a page to print."""
    live = [link for link in engine.residents.links(site_id=site_id, building=building,
                                                     base_url=_base(request))
            if link.revoked_at is None]
    if not live:
        raise Invalid(f"no live links for {building} at {site_id}: issue them first",
                      field="building")
    name = next((s.name for s in engine.list_sites() if s.id == site_id), site_id)
    return HTMLResponse(render(name, building, live))


@desk.get("")
def list_complaints(engine: EngineDep, state: ComplaintState | None = None
                    ) -> list[ComplaintRead]:
    """Newest first, with the milestones overdue; `state=open` is the desk's queue."""
    return engine.complaints.list(state)


@desk.post("/{complaint_id}/acknowledge")
def acknowledge(complaint_id: Id, engine: EngineDep, user: StaffUser,
                body: DeskStep | None = None) -> ComplaintRead:
    return engine.complaints.acknowledge(complaint_id, _by(body, user.username))


@desk.post("/{complaint_id}/explain")
def explain(complaint_id: Id, body: DeskStep, engine: EngineDep,
            user: StaffUser) -> ComplaintRead:
    """The explanation the resident reads (acknowledges it too)."""
    return engine.complaints.explain(complaint_id, _by(body, user.username))


@desk.post("/{complaint_id}/close")
def close(complaint_id: Id, body: DeskStep, engine: EngineDep,
          user: StaffUser) -> ComplaintRead:
    """Closed with the outcome; 409 before it is explained."""
    return engine.complaints.close(complaint_id, _by(body, user.username))


def _by(body: DeskStep | None, username: str) -> DeskStep:
    step = body or DeskStep()
    return step if "by" in step.model_fields_set else step.model_copy(update={"by": username})
