"""The GPS fix's fast lane: a plain fix is answered without FastAPI's routing, its dependency
resolution and the six middlewares a change goes through.

A fix is most of the traffic (a phone sends one every few seconds), and each layer costs CPU on
every one of them: measured with issue 18's middlewares, 403 -> 515 µs of server CPU a fix.
The lane takes only the plain case: `POST /api/v1/technicians/{id}/position` with a JSON body
that validates, a bearer token whose account was checked within the cache's time, the caller
allowed to act for that technician, a technician already known, no `Idempotency-Key`.
Everything else (each error, a keyed retry, a first fix) falls through to the full app with the
body replayed, so errors keep the one model and the one code path the contract tests fuzz. The
answer is the route's own: the same body, status, request id and security headers, counted in
the same metrics.
"""

from __future__ import annotations

import re
import time
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from api import metrics as http_metrics
from api import ratelimit
from api.idempotency import read_body, replaying
from api.security import headers_for
from dispatcher.auth import access
from dispatcher.errors import DomainError
from dispatcher.schemas import MAX_ID
from dispatcher.technicians.schemas import PositionUpdate

PATH = re.compile(r"^/api/v1/technicians/([1-9][0-9]{0,9})/position$")
TEMPLATE = "/api/v1/technicians/{technician_id}/position"
_SECURITY = headers_for("/api/v1/technicians/1/position")


class GpsLane:
    """Pure ASGI, outermost of the app's own middlewares (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.taken = 0  # fixes answered here (tests see that the lane is used)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = PATH.match(scope["path"])
        if match is None or int(match[1]) > MAX_ID:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = _plain_headers(scope["headers"])
        if headers is None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        technician_id = int(match[1])
        fix = _plain_fix(scope, technician_id, headers, body)
        if fix is None:  # not the plain case: the full app says why
            await self.app(scope, replaying(body, receive), send)
            return
        app = scope["app"]
        accepted = await app.state.engine.gps.accept(technician_id, fix)
        payload = accepted.model_dump_json().encode()
        self.taken += 1
        await send({"type": "http.response.start", "status": 202, "headers": [
            (b"content-length", str(len(payload)).encode()),
            (b"content-type", b"application/json"), *_SECURITY,
            (b"x-request-id", http_metrics.request_id_of(scope).encode())]})
        await send({"type": "http.response.body", "body": payload})
        metrics: http_metrics.HttpMetrics = app.state.metrics
        counter, timer = metrics.series("POST", TEMPLATE, 202)
        counter.inc()
        timer.observe(time.perf_counter() - start)


def _plain_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes] | None:
    """The headers the lane reads, or None when one of them asks for the full app."""
    seen: dict[bytes, bytes] = {}
    for key, value in raw:
        if key == b"idempotency-key":
            return None
        if key in (b"authorization", b"content-type"):
            seen[key] = value
    content_type = seen.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/json" or b"authorization" not in seen:
        return None
    return seen


def _plain_fix(scope: Scope, technician_id: int, headers: dict[bytes, bytes],
               body: bytes) -> PositionUpdate | None:
    """The fix of a plain request, counted against the technician's GPS limit; None for the
    full app (which answers a refusal, a limit passed included: its window stays passed)."""
    scheme, _, token = headers[b"authorization"].decode("latin-1").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    app: Any = scope["app"]
    gps = app.state.engine.gps
    try:
        user = gps.callers.get(token.strip())
        if user is None or not gps.knows(technician_id):
            return None
        access.require_technician(user, technician_id)
        fix = PositionUpdate.model_validate_json(body)
        app.state.limits.gps_fix(technician_id)
    except (DomainError, ValidationError, ratelimit.RateLimited):
        return None
    app.state.metrics.gps_fixes.inc()
    return fix


def install(app: Any) -> None:
    """Put the lane in front of `app`'s other middlewares (call after adding them)."""
    app.add_middleware(GpsLane)

