"""Accounts as the API and the CLI use them: add, list, log in, and a token back to its account.

Part of the engine (`engine.accounts`): it runs its changes through the engine's unit of work.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dispatcher.auth import service as users
from dispatcher.auth import tokens
from dispatcher.auth.schemas import TokenRead, UserCreate, UserRead, UserUpdate
from dispatcher.auth.tokens import Principal
from dispatcher.context import Context
from dispatcher.errors import NotFound, Unauthenticated
from dispatcher.events import service as events


class Accounts:
    """Logins of one engine; the token signing key is read once (configured or stored)."""

    def __init__(self, engine: Context) -> None:
        self._engine = engine
        self._signing_secret = engine.settings.secret_key

    def create(self, data: UserCreate) -> UserRead:
        """Add an account (409 if the name is taken, 404 if its technician does not exist)."""
        def run(s: Session, now: datetime) -> UserRead:
            user = users.create(s, data=data, now=now)
            events.record(s, type="user.created", at=now, payload={
                "user_id": user.id, "username": user.username, "role": user.role.value})
            return UserRead.model_validate(user)
        return self._engine.command(run)

    def list_(self) -> list[UserRead]:
        with self._engine.sessions() as s:
            return [UserRead.model_validate(u) for u in users.list_(s)]

    def login(self, username: str, password: str) -> TokenRead:
        """A signed token for a right name and password, or `Unauthenticated`."""
        with self._engine.sessions() as s:
            user = users.authenticate(s, username=username, password=password)
        token, expires = tokens.issue(user, secret=self._secret(), now=self._engine.clock.now(),
                                      ttl=timedelta(minutes=self._engine.settings.token_ttl_min))
        return TokenRead(access_token=token, role=user.role, username=user.username,
                         technician_id=user.technician_id, expires_at=expires)

    def principal(self, token: str) -> Principal:
        """The account a token stands for; `Unauthenticated` if it is not valid now."""
        user_id, version = tokens.subject(token, secret=self._secret(),
                                          now=self._engine.clock.now())
        with self._engine.sessions() as s:
            user = users.get(s, user_id=user_id)
        if user is None or not user.active:
            raise Unauthenticated("account disabled or removed", field="Authorization")
        if user.token_version != version:
            raise Unauthenticated("token revoked: the password changed or the account was "
                                  "disabled since it was issued; log in again",
                                  field="Authorization")
        return Principal.of(user)

    def update(self, user_id: int, data: UserUpdate) -> UserRead:
        """A new password or (de)activation; the account's earlier tokens stop working."""
        def run(s: Session, now: datetime) -> UserRead:
            user = users.update(s, user_id=user_id, data=data)
            events.record(s, type="user.updated", at=now, payload={
                "user_id": user.id, "active": user.active,
                "password_changed": "password" in data.model_fields_set})
            return UserRead.model_validate(user)
        return self._engine.command(run)

    def get(self, user_id: int) -> UserRead:
        """One account; `NotFound` if there is none."""
        with self._engine.sessions() as s:
            user = users.get(s, user_id=user_id)
            if user is None:
                raise NotFound(f"user {user_id} not found", field="user_id")
            return UserRead.model_validate(user)

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for `purpose` (e.g. unit links), derived from the signing secret:
        one secret to rotate, no key used for two things."""
        return hmac.new(self._secret().encode(), purpose.encode(), hashlib.sha256).digest()

    def _secret(self) -> str:
        if self._signing_secret is None:
            self._signing_secret = tokens.signing_secret(self._engine.sessions,
                                                         now=self._engine.clock.now())
        return self._signing_secret
