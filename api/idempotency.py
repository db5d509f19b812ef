"""`Idempotency-Key` on POST/PUT/PATCH/DELETE under /api/v1: a replay gets the first answer.

The PWA's offline queue resends a change until it sees an answer. With a key, a resend of the
same method, path and body answers with the stored status and body (header
`Idempotent-Replayed: true`) and stores nothing; the same key on another request is a 422. The
key's row commits in the same transaction as the change (see `dispatcher.idempotency.service`),
so a crash or a concurrent duplicate cannot apply a change twice. Only answers below 500 are
kept; a refused request (4xx) that changed nothing stores no key, so its retry is judged anew.

A key belongs to the account that used it (the body hash includes the caller), so a replay
without a valid token gets the 401 of any request, never someone's stored answer. A multipart
body is hashed without its boundary, which a browser draws anew for every resend.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from dispatcher.engine import Engine
from dispatcher.errors import DomainError
from dispatcher.idempotency import service as idempotency
from dispatcher.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
GUARDED = ("POST", "PUT", "PATCH", "DELETE")
PREFIX = "/api/v1/"
MAX_KEY = 255


def install(app: FastAPI, engine: Engine) -> None:
    """Guard the changes `engine` commits and answer replays on `app`."""
    idempotency.guard(engine.sessions)
    app.add_middleware(IdempotencyMiddleware)


class IdempotencyMiddleware:
    """Pure ASGI middleware (the endpoint must run in this task for the claim to reach it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY or not key.isprintable():
            await _answer(send, 422, errors.body(422, f"{HEADER} must be 1 to {MAX_KEY} "
                                                      "printable characters", HEADER))
            return
        engine = scope["app"].state.engine
        body = await read_body(receive)
        caller = await to_thread.run_sync(_caller, engine, scope)
        if caller is None:  # the app answers 401 and stores nothing
            await self.app(scope, replaying(body, receive), send)
            return
        path = scope["path"] + (f"?{scope['query_string'].decode()}"
                                if scope.get("query_string") else "")
        claim = idempotency.Claim(key=key, method=scope["method"], path=path,
                                  body_hash=_hash(scope, body, caller), at=engine.clock.now())
        row = await to_thread.run_sync(_lookup, engine.sessions, key)
        if row is not None:
            await _answer(send, *_replay(row, claim))
            return
        await self._apply(scope, replaying(body, receive), send, engine.sessions, claim)

    async def _apply(self, scope: Scope, receive: Receive, send: Send,
                     sessions: sessionmaker[Session], claim: idempotency.Claim) -> None:
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        try:
            with idempotency.guarding(claim):
                await self.app(scope, receive, keep)
        except IntegrityError:
            row = None if claim.written else await to_thread.run_sync(_lookup, sessions,
                                                                      claim.key)
            if row is None:
                raise
            await _answer(send, *_replay(row, claim))  # a concurrent twin committed first
            return
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        if status < 500 and (claim.written or status < 400):
            text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
            await to_thread.run_sync(lambda: idempotency.store_answer(
                sessions, claim=claim, status_code=status, body=text.decode()))
        for message in sent:
            await send(message)


def _key(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] not in GUARDED:
        return None
    if not scope["path"].startswith(PREFIX):
        return None
    found = _header(scope, HEADER.lower())
    return found.strip() if found is not None else None


def _caller(engine: Engine, scope: Scope) -> int | None:
    """The account id behind the request's bearer token, or None if it has no valid one."""
    header = _header(scope, "authorization")
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return engine.accounts.principal(token.strip()).user_id
    except DomainError:
        return None


def _hash(scope: Scope, body: bytes, caller: int) -> str:
    """The body's hash for this caller; a multipart body without its random boundary."""
    content_type = _header(scope, "content-type") or ""
    boundary = content_type.partition("boundary=")[2].strip().strip('"')
    if content_type.startswith("multipart/") and boundary:
        body = body.replace(boundary.encode("latin-1"), b"BOUNDARY")
    return hashlib.sha256(f"{caller}:{idempotency.body_hash(body)}".encode()).hexdigest()


def _header(scope: Scope, name: str) -> str | None:
    found = [v for k, v in scope["headers"] if k == name.encode()]
    return found[0].decode("latin-1") if found else None


def _lookup(sessions: sessionmaker[Session], key: str) -> IdempotencyKey | None:
    with sessions() as session:
        return idempotency.get(session, key=key)


def _replay(row: IdempotencyKey, claim: idempotency.Claim) -> tuple[int, Any, bool]:
    """The stored answer, or why there is none to give: (status, body, replayed)."""
    why = idempotency.mismatch(row, claim)
    if why is not None:
        return 422, errors.body(422, f"{HEADER} {claim.key!r} {why}; use a new key for a new "
                                     "request", HEADER), False
    if row.status_code is None or row.response_body is None:
        return 409, errors.body(409, f"the request with {HEADER} {claim.key!r} was accepted "
                                     "and its answer is not stored yet; retry later or read "
                                     "the resource", HEADER), False
    return row.status_code, row.response_body.encode(), True


async def read_body(receive: Receive) -> bytes:
    """The whole request body (a middleware that reads it hands it on with `replaying`)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body to the app once, then listens as usual."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Send, status: int, body: Any, replayed: bool = False) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(data)).encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
