"""The audit trail's recorder: every change a signed-in person makes through the API (a write
under /api/v1 answered below 400) is kept with who, when, the client address, the request,
and the subject's state before (read just before the change) and after (the answer).

GPS fixes (a machine's stream, not a decision), logins and the resident's follow-up link (no
account) are not recorded; neither are a ticket preview and a manual re-plan, which change
no data. The entry is written right after the change, in a transaction of its own.
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.idempotency import read_body, replaying
from api.ratelimit import client_address
from dispatcher.auth.tokens import Principal
from dispatcher.engine import Engine
from dispatcher.errors import DomainError
from dispatcher.schemas import MAX_ID

WRITES = ("POST", "PUT", "PATCH", "DELETE")
UNRECORDED = re.compile(r"^/api/v1/(auth/login|followup/|technicians/[^/]+/position$|"
                        r"tickets/preview$|plan/replan$)")
# The first path segment after /api/v1/ names the subject's kind.
KINDS = {"tickets": "ticket", "assets": "asset", "maintenance": "maintenance_plan",
         "users": "user", "technicians": "technician", "sites": "site", "alerts": "alert",
         "recurring-faults": "recurring_fault", "overrides": "ticket"}
ID_IN_PATH = re.compile(r"^/api/v1/(?:overrides/lock|[a-z-]+(?:/plans)?)/(\d+)")
MAX_STORED = 64_000  # characters of a request or an answer kept in an entry


def install(app: FastAPI) -> None:
    """Record the changes of `app` (innermost middleware: an idempotent replay is not one)."""
    app.add_middleware(AuditMiddleware)


def _readers(engine: Engine) -> dict[str, Callable[[int], Any]]:
    """How to read each kind of subject before a change."""
    return {"ticket": engine.get_ticket, "asset": engine.get_asset,
            "maintenance_plan": engine.get_plan, "user": engine.accounts.get,
            "technician": engine.get_technician}


class AuditMiddleware:
    """Pure ASGI: reads the subject, lets the change run, records it if it was made."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] not in WRITES
                or not path.startswith("/api/v1/") or UNRECORDED.match(path)):
            await self.app(scope, receive, send)
            return
        engine: Engine = scope["app"].state.engine
        body = await read_body(receive)
        who = await to_thread.run_sync(_principal, engine, scope)
        if who is None:  # the app answers 401; nothing to record
            await self.app(scope, replaying(body, receive), send)
            return
        request = _redacted(_json(body))
        kind, ident = _subject(path, request)
        before = await to_thread.run_sync(_read, engine, kind, ident)
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        await self.app(scope, replaying(body, receive), keep)
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        if status < 400:
            answer = _json(b"".join(m.get("body", b"") for m in sent
                                    if m["type"] == "http.response.body"))
            if ident is None and isinstance(answer, dict):
                ident = answer.get("id")
            entry = {"actor": who.username, "actor_id": who.user_id, "role": who.role.value,
                     "address": client_address(scope), "action": f"{scope['method']} {path}",
                     "subject": f"{kind}:{ident if ident is not None else ''}",
                     "status_code": status, "request": request, "before": before,
                     "after": answer}
            # An empty context: the change's Idempotency-Key claim is not this transaction's.
            await to_thread.run_sync(contextvars.Context().run, engine.record_audit, entry)
        for message in sent:
            await send(message)


def _principal(engine: Engine, scope: Scope) -> Principal | None:
    header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return engine.accounts.principal(token.strip())
    except DomainError:
        return None


def _subject(path: str, request: Any) -> tuple[str, Any]:
    """The kind of thing changed and its id (None: a creation; the answer names it)."""
    segment = path.removeprefix("/api/v1/").split("/")[0]
    kind = "technician" if path.startswith("/api/v1/overrides/lock/") else KINDS.get(segment,
                                                                                     segment)
    found = ID_IN_PATH.match(path)
    if found:
        return kind, int(found.group(1))
    if isinstance(request, dict):
        if segment == "overrides" and "ticket_id" not in request:
            return "technician", request.get("technician_id")
        for key in ("ticket_id", "id"):
            if key in request and isinstance(request[key], int | str):
                return kind, request[key]
    return kind, None


def _read(engine: Engine, kind: str, ident: Any) -> Any:
    reader = _readers(engine).get(kind)
    # Out of range the request is refused (422) before the change; the database must not
    # see such an id (PostgreSQL's INTEGER overflows).
    if reader is None or not isinstance(ident, int) or not 1 <= ident <= MAX_ID:
        return None
    try:
        return json.loads(reader(ident).model_dump_json())
    except DomainError:  # not found: the change will say so
        return None


def _redacted(request: Any) -> Any:
    """The request without secrets (a password is recorded as changed, never kept)."""
    if isinstance(request, dict) and "password" in request:
        return {**request, "password": "(redacted)"}
    return request


def _json(body: bytes) -> Any:
    if not body or len(body) > MAX_STORED:
        return None
    try:
        return json.loads(body)
    except ValueError:  # a photo upload (multipart) or an empty answer
        return None
