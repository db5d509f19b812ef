"""GET /stream: Server-Sent Events of plan versions, alerts, ticket status and positions.

Each message is `id: <stored event id>` and `data: <the event as JSON, with its type>` (no
`event:` field, so one `EventSource.onmessage` sees every kind). Reconnecting with
`Last-Event-ID` (the header browsers send, or `?last_event_id=`) replays from the database what
was missed, in order, then continues live; without it the stream starts at the newest event.
The database is polled every `POLL_S`, so events committed by any process arrive; an idle
stream gets `: ping` every `PING_S`. `?technician_id=` narrows the feed to one technician's
concerns; a technician's token always narrows it to his own. The token may come as
`?access_token=` because EventSource cannot send headers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from api.deps import CurrentUser, EngineDep
from dispatcher.auth import access
from dispatcher.errors import Invalid
from dispatcher.events import feed

router = APIRouter(tags=["stream"])

POLL_S = 0.5
PING_S = 15.0
RETRY_MS = 2000  # how long a browser waits before it reconnects


@router.get("/stream", response_class=StreamingResponse)
async def stream(
    request: Request, engine: EngineDep, user: CurrentUser,
    technician_id: Annotated[int | None, Query(description="only what concerns him")] = None,
    last_event_id: Annotated[str | None, Query(description="resume after this event")] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Live events as Server-Sent Events; resumable with `Last-Event-ID`."""
    if not user.staff:
        technician_id = access.own_technician(user)
    if technician_id is not None:
        await to_thread.run_sync(engine.get_technician, technician_id)  # 404 if unknown
    cursor = _cursor(last_event_id_header or last_event_id)
    if cursor is None:
        cursor = await to_thread.run_sync(_last_id, engine.sessions)
    messages = _messages(request, engine.sessions, cursor, technician_id)
    return StreamingResponse(messages, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def stop_all(app: FastAPI) -> None:
    """End every open stream of `app` (at shutdown, so the server need not wait for them)."""
    _stopping(app).set()


def _stopping(app: FastAPI) -> threading.Event:
    if getattr(app.state, "streams_stopping", None) is None:
        app.state.streams_stopping = threading.Event()
    return app.state.streams_stopping


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise Invalid(f"Last-Event-ID must be an event id (a whole number), not {raw!r}",
                      field="Last-Event-ID")
    return int(raw)


def _last_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return feed.last_id(session)


def _page(sessions: sessionmaker[Session], cursor: int, technician_id: int | None) -> feed.Page:
    with sessions() as session:
        return feed.after(session, cursor=cursor, technician_id=technician_id)


async def _messages(request: Request, sessions: sessionmaker[Session], cursor: int,
                    technician_id: int | None) -> AsyncIterator[str]:
    """Pages of stored events, then a poll; ends on disconnect or when the app stops."""
    stopping = _stopping(request.app)
    yield f"retry: {RETRY_MS}\n\n"
    idle = 0.0
    while not stopping.is_set() and not await request.is_disconnected():
        page = await to_thread.run_sync(_page, sessions, cursor, technician_id)
        for event in page.events:
            yield _format(event)
        if page.cursor != cursor:  # there may be more right behind this page
            cursor, idle = page.cursor, 0.0
            continue
        await anyio.sleep(POLL_S)
        idle += POLL_S
        if idle >= PING_S:
            idle = 0.0
            yield ": ping\n\n"


def _format(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
