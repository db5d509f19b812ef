"""Account and login shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatcher.auth.models import Role
from dispatcher.schemas import DbId, Strict, omittable

USERNAME = r"^[A-Za-z0-9_.@-]+$"


class UserCreate(Strict):
    """A new account; a technician account names the technician it acts for."""

    username: str = Field(min_length=1, max_length=64, pattern=USERNAME)
    password: str = Field(min_length=6, max_length=256)
    role: Role
    technician_id: DbId | None = None

    @model_validator(mode="after")
    def _technician_matches_role(self) -> UserCreate:
        if self.role is Role.technician and self.technician_id is None:
            raise ValueError("technician_id is required for a technician account")
        if self.role is not Role.technician and self.technician_id is not None:
            raise ValueError("technician_id is only for technician accounts")
        return self


class UserUpdate(Strict):
    """A new password or the account disabled/enabled; either revokes its tokens."""

    password: str = omittable(min_length=6, max_length=256)
    active: bool = omittable()


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    technician_id: int | None
    active: bool


class Login(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenRead(BaseModel):
    """What a successful login answers: the bearer token and who it is for."""

    access_token: str
    token_type: str = "bearer"
    role: Role
    username: str
    technician_id: int | None
    expires_at: datetime
