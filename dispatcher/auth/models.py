"""The account table, and the signing key kept in the database when none is configured."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.db import Base, UtcDateTime


class Role(StrEnum):
    technician = "technician"  # sees and acts on his own route and tickets only
    dispatcher = "dispatcher"  # sees and changes everything
    admin = "admin"  # a dispatcher who may also create dispatcher and admin accounts


STAFF = frozenset({Role.dispatcher, Role.admin})


class User(Base):
    """A login: a unique name, an argon2 hash, a role, and for a technician his technician id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # In every token; raised when the password changes or the account is disabled, so the
    # tokens issued before stop working at once (`accounts.principal` compares).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SigningKey(Base):
    """The token signing key generated for this database when `DISPATCH_SECRET_KEY` is unset."""

    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
