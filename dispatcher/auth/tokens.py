"""Signed access tokens (JWT, HS256) that expire by the engine's clock, and their signing key."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.auth.models import STAFF, Role, SigningKey, User
from dispatcher.errors import Unauthenticated

log = logging.getLogger(__name__)
ALGORITHM = "HS256"
KEY_NAME = "access-token"
EXPIRED = "token expired: log in again"
INVALID = "invalid token: log in again"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a valid token."""

    user_id: int
    username: str
    role: Role
    technician_id: int | None

    @property
    def staff(self) -> bool:
        """Dispatchers and admins see and change everything."""
        return self.role in STAFF

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.username, user.role, user.technician_id)


def issue(user: User, *, secret: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    """A token for `user` valid from `now` for `ttl`, and when it expires."""
    expires = now + ttl
    claims = {"sub": str(user.id), "ver": user.token_version or 0, "name": user.username,
              "role": user.role.value,
              "iat": int(now.timestamp()), "exp": int(expires.timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires.astimezone(UTC)


def user_id(token: str, *, secret: str, now: datetime) -> int:
    """The account id a token was issued to, or `Unauthenticated` saying why it is refused."""
    return subject(token, secret=secret, now=now)[0]


def subject(token: str, *, secret: str, now: datetime) -> tuple[int, int]:
    """The account id a token was issued to and its token version, or `Unauthenticated`.

    Expiry is checked against `now` (the engine's clock, which tests and the demo control: the
    demo's clock runs ahead of the wall), never the wall clock PyJWT would use for exp and iat.
    """
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"verify_exp": False, "verify_iat": False,
                                     "require": ["sub", "exp"]})
        account, version = int(claims["sub"]), int(claims.get("ver", 0))
        expires = float(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthenticated(INVALID, field="Authorization") from None
    if now.timestamp() >= expires:
        raise Unauthenticated(EXPIRED, field="Authorization")
    return account, version


def signing_secret(sessions: sessionmaker[Session], *, now: datetime) -> str:
    """The key kept in this database, generated on first use so a demo needs no setup."""
    with sessions() as session:
        row = session.get(SigningKey, KEY_NAME)
        if row is not None:
            return row.secret
        session.add(SigningKey(name=KEY_NAME, secret=secrets.token_urlsafe(48), created_at=now))
        log.info("DISPATCH_SECRET_KEY is unset: generated a token signing key for this "
                 "database (tokens from another database or deployment will not be accepted)")
        try:
            session.commit()
        except IntegrityError:  # another process generated it first: use theirs
            session.rollback()
        row = session.get(SigningKey, KEY_NAME)
        assert row is not None
        return row.secret
