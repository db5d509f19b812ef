"""Account verbs: create, list, check a password. They flush; the caller commits."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.auth.models import User
from dispatcher.auth.schemas import UserCreate, UserUpdate
from dispatcher.errors import Conflict, NotFound, Unauthenticated
from dispatcher.technicians import service as technicians

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a login stays well under
# a second on a small shared server; the parameters travel in each hash, so they can be raised.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the name is unknown, so both failures take the same time.
_DUMMY = _hasher.hash("not a password anyone has")
WRONG = "wrong username or password"


def create(session: Session, *, data: UserCreate, now: datetime) -> User:
    """Store an account with an argon2 hash; the name must be new, the technician must exist."""
    if session.scalar(select(User).where(User.username == data.username)) is not None:
        raise Conflict(f"username {data.username!r} is taken", field="username")
    if data.technician_id is not None:
        technicians.get(session, technician_id=data.technician_id)  # NotFound names the field
    user = User(username=data.username, password_hash=_hasher.hash(data.password),
                role=data.role, technician_id=data.technician_id, active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def update(session: Session, *, user_id: int, data: UserUpdate) -> User:
    """Set a new password or (de)activate; either revokes the tokens issued so far."""
    user = get(session, user_id=user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="user_id")
    changes = data.model_dump(exclude_unset=True)
    if "password" in changes:
        user.password_hash = _hasher.hash(changes["password"])
        user.token_version += 1
    if "active" in changes and changes["active"] != user.active:
        user.active = changes["active"]
        user.token_version += 1
    session.flush()
    return user


def list_(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def get(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The active account with this name and password, or `Unauthenticated`."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated(WRONG, field="password") from None
    if user is None or not user.active:
        raise Unauthenticated(WRONG, field="password")
    return user
