"""GET /stream: Server-Sent Events of plan versions, alerts, ticket status and positions.

Each message is `id: <stored event id>` and `data: <the event as JSON, with its type>` (no
`event:` field, so one `EventSource.onmessage` sees every kind). Live events come from the
process's one fan-out reader (`api.fanout`), never from a query per connection; an idle stream
gets `: ping` every `PING_S`. Reconnecting with `Last-Event-ID` (the header browsers send, or
`?last_event_id=`) replays from the database what was missed, in order, then continues live;
without it the stream starts with the next event. `?technician_id=` narrows the feed to one
technician's concerns; a technician's token always narrows it to his own. The token may come
as `?access_token=` because EventSource cannot send headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from api import errors
from api.deps import CurrentUser, EngineDep
from api.fanout import Broadcaster, Listener, sse
from dispatcher.auth import access
from dispatcher.errors import Invalid
from dispatcher.events import feed
from dispatcher.events.tail import open_tail
from dispatcher.schemas import MAX_ID

router = APIRouter(tags=["stream"])

EVENT_ID = r"^[0-9]{0,18}$"  # a stored event's id; empty means none
PING_S = 15.0
RETRY_MS = 2000  # how long a browser waits before it reconnects
REPLAY_PAGE = 200  # events read from the database at a time while replaying


@router.get("/stream", response_class=StreamingResponse, responses=errors.declare(404))
async def stream(
    request: Request, engine: EngineDep, user: CurrentUser,
    technician_id: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                                description="only what concerns him")] = None,
    last_event_id: Annotated[str, Query(description="resume after this event",
                                        pattern=EVENT_ID)] = "",
    last_event_id_header: Annotated[str, Header(alias="Last-Event-ID", pattern=EVENT_ID)] = "",
) -> StreamingResponse:
    """Live events as Server-Sent Events; resumable with `Last-Event-ID`."""
    if not user.staff:
        technician_id = access.own_technician(user)
    region = None
    if technician_id is not None:  # 404 if unknown
        region = (await to_thread.run_sync(engine.get_technician, technician_id)).region
    cursor = _cursor(last_event_id_header or last_event_id)
    # Join the fan-out before the replay reads the database: what is committed meanwhile
    # waits in the queue, and what the replay sent too is skipped there.
    listener = _broadcaster(request.app).listen(technician_id, region)
    messages = _messages(listener, engine.sessions, cursor, technician_id)
    return StreamingResponse(messages, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@asynccontextmanager
async def fanout(app: FastAPI) -> AsyncIterator[Broadcaster]:
    """Run the one reader that feeds every stream of `app` (the app's lifespan holds it)."""
    engine = app.state.engine
    broadcaster = Broadcaster(open_tail(sessions=engine.sessions, bus=engine.bus),
                              partial(_facts, engine.sessions))
    await broadcaster.start()
    app.state.fanout = broadcaster
    try:
        yield broadcaster
    finally:
        await broadcaster.stop()


def stop_all(app: FastAPI) -> None:
    """End every open stream of `app` (at shutdown, so the server need not wait for them)."""
    broadcaster: Broadcaster | None = getattr(app.state, "fanout", None)
    if broadcaster is not None:
        broadcaster.close_all()


def _broadcaster(app: FastAPI) -> Broadcaster:
    broadcaster: Broadcaster | None = getattr(app.state, "fanout", None)
    if broadcaster is None:
        raise RuntimeError("the live stream's reader is not running: serve the app with its "
                           "lifespan (uvicorn does; TestClient needs `with`)")
    return broadcaster


def _cursor(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise Invalid(f"Last-Event-ID must be an event id (a whole number), not {raw!r}",
                      field="Last-Event-ID")
    return int(raw)


def _facts(sessions: sessionmaker[Session], events: list[dict[str, Any]]) -> feed.Facts:
    with sessions() as session:
        return feed.facts(session, events)


def _page(sessions: sessionmaker[Session], cursor: int, technician_id: int | None) -> feed.Page:
    with sessions() as session:
        return feed.after(session, cursor=cursor, technician_id=technician_id,
                          limit=REPLAY_PAGE)


async def _messages(listener: Listener, sessions: sessionmaker[Session], cursor: int | None,
                    technician_id: int | None) -> AsyncIterator[str | bytes]:
    """The replay after `cursor` (if given), then the live fan-out; ends on disconnect, when
    the app stops, or when the client falls too far behind."""
    try:
        yield f"retry: {RETRY_MS}\n\n"
        replayed: set[int] = set()
        if cursor is not None:
            async for events in _replay(listener, sessions, cursor, technician_id):
                replayed.update(event["id"] for event in events)
                yield "".join(sse(event) for event in events)
        while (messages := await listener.next(PING_S)) is not None:
            fresh = b"".join(m.data for m in messages if m.event_id not in replayed)
            if fresh:
                yield fresh
            elif not messages:
                yield ": ping\n\n"
    finally:
        listener.close()


async def _replay(listener: Listener, sessions: sessionmaker[Session], cursor: int,
                  technician_id: int | None) -> AsyncIterator[list[dict[str, Any]]]:
    """Stored events after `cursor`, a page at a time, until none are left."""
    while not listener.closed:
        page = await to_thread.run_sync(_page, sessions, cursor, technician_id)
        if page.events:
            yield page.events
        if page.cursor == cursor:
            return
        cursor = page.cursor
