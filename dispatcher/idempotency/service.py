"""Claim an idempotency key inside the unit of work of the change it guards, then store the answer.

A request that carries a key runs with a `Claim` set (`guarding`). The first engine command of
that request which commits an event row also inserts the key's row, in the same transaction:
the change and the key are durable together or not at all. So a retry after a crash can never
apply the change twice, and of two concurrent requests with one key only one commits (the
other hits the primary key and rolls back its change). The answer is stored a moment later
(`store_answer`); a crash in between leaves the row without an answer, and a retry is told the
change was applied instead of applying it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.events import service as events
from dispatcher.idempotency.models import IdempotencyKey


@dataclass
class Claim:
    """The request a key is being used for; `written` once its row committed with the change."""

    key: str
    method: str
    path: str
    body_hash: str
    at: datetime
    written: bool = False

    def row(self) -> IdempotencyKey:
        return IdempotencyKey(key=self.key, method=self.method, path=self.path,
                              body_hash=self.body_hash, created_at=self.at)


_current: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def body_hash(body: bytes) -> str:
    """SHA-256 of the body; JSON is canonicalised so key order and spacing do not matter."""
    with suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(body).hexdigest()


def get(session: Session, *, key: str) -> IdempotencyKey | None:
    return session.get(IdempotencyKey, key)


def mismatch(row: IdempotencyKey, claim: Claim) -> str | None:
    """Why `claim` is not a replay of the request `row` was first used for, if it is not."""
    if (row.method, row.path) != (claim.method, claim.path):
        return f"was first used for {row.method} {row.path}"
    if row.body_hash != claim.body_hash:
        return f"was first used for {row.method} {row.path} with a different body"
    return None


@contextmanager
def guarding(claim: Claim) -> Iterator[Claim]:
    """Run the block (and the threads it copies its context to) with `claim` in force."""
    token = _current.set(claim)
    try:
        yield claim
    finally:
        _current.reset(token)


def guard(sessions: sessionmaker[Session]) -> None:
    """Make the sessions of `sessions` write the current claim with the first change committed."""
    if not event.contains(sessions, "before_commit", _claim_before_commit):
        event.listen(sessions, "before_commit", _claim_before_commit)
        event.listen(sessions, "after_commit", _claimed_after_commit)


def _claim_before_commit(session: Session) -> None:
    claim = _current.get()
    if claim is None or claim.written or not events.recorded(session):
        return
    session.add(claim.row())
    session.info["idempotency_claim"] = claim


def _claimed_after_commit(session: Session) -> None:
    claim = session.info.pop("idempotency_claim", None)
    if claim is not None:
        claim.written = True


def store_answer(sessions: sessionmaker[Session], *, claim: Claim, status_code: int,
                 body: str) -> None:
    """Keep the answer for replays: on the claimed row, or a new row if nothing was committed."""
    try:
        with sessions() as session, session.begin():
            row = get(session, key=claim.key) if claim.written else None
            if row is None:
                row = claim.row()
                session.add(row)
            row.status_code, row.response_body = status_code, body
    except IntegrityError:
        pass  # a concurrent request with this key committed first: its answer is the first


def purge(session: Session, *, before: datetime) -> int:
    """Forget keys first used before `before`; a later request with one is judged anew."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return int(result.rowcount or 0)
