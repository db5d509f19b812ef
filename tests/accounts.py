"""Accounts for tests: create one through the engine and answer with its bearer header."""

from __future__ import annotations

from dispatcher.auth.models import Role
from dispatcher.auth.schemas import UserCreate
from dispatcher.engine import Engine

PASSWORD = "secret-pw-1"


def bearer(engine: Engine, username: str = "dispatcher", role: Role = Role.dispatcher,
           technician_id: int | None = None) -> dict[str, str]:
    """The Authorization header of `username` (created with `role` if missing)."""
    if username not in {u.username for u in engine.accounts.list_()}:
        engine.accounts.create(UserCreate(username=username, password=PASSWORD, role=role,
                                      technician_id=technician_id))
    token = engine.accounts.login(username, PASSWORD).access_token
    return {"Authorization": f"Bearer {token}"}
