"""A real uvicorn server around an engine, and SSE helpers, for the live stream's tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from dispatcher.engine import Engine
from dispatcher.events import feed
from tests.accounts import bearer

API = "/api/v1"


@dataclass
class Live:
    """A running server: its base URL, engine, app and uvicorn handle."""

    url: str
    engine: Engine
    app: Any
    server: uvicorn.Server
    auth: dict[str, str]

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(self.url + API + path, json=body, headers=self.auth, timeout=10)
        assert response.status_code in (200, 201, 202), response.text
        if response.status_code == 202:  # a GPS fix: stored with the next batch; now, here
            self.engine.gps.flush()
        return response.json()


@contextmanager
def served(engine: Engine) -> Iterator[Live]:
    """The app around `engine` on a free port, signed in as a dispatcher; stopped afterwards."""
    app = create_app(engine=engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, 10)
    yield Live(f"http://127.0.0.1:{port}", engine, app, server, bearer(engine))
    server.should_exit = True
    thread.join(10)
    assert not thread.is_alive()
    engine.sessions.kw["bind"].dispose()


def wait_for(check: Callable[[], Any], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def events_of(source: httpx.Response | Iterator[str], until: Callable[[dict[str, Any]], bool]
              ) -> list[dict[str, Any]]:
    """SSE messages parsed into events (with the `id:` line checked) until `until` holds.

    To read on after that, pass the response's `iter_lines()` and keep it: a line iterator
    that is dropped closes the connection."""
    found: list[dict[str, Any]] = []
    sse_id = None
    lines = source.iter_lines() if isinstance(source, httpx.Response) else source
    for line in lines:
        if line.startswith("id: "):
            sse_id = int(line[4:])
        elif line.startswith("data: "):
            event = json.loads(line[6:])
            assert event["id"] == sse_id
            found.append(event)
            if until(event):
                return found
    raise AssertionError(f"stream ended before the awaited event; got {found}")


def open_stream(live: Live, **params: Any) -> Any:
    headers = {**live.auth, **params.pop("headers", {})}
    return httpx.stream("GET", live.url + API + "/stream", params=params, headers=headers,
                        timeout=httpx.Timeout(10, read=10))


def stored(live: Live, technician_id: int | None = None) -> list[int]:
    """The ids the feed holds now (for everyone, or for one technician)."""
    with live.engine.sessions() as s:
        page = feed.after(s, cursor=0, technician_id=technician_id, limit=10_000)
    return [e["id"] for e in page.events]
