"""Log in for a bearer token; who am I; accounts (dispatchers and admins)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api import errors
from api.deps import CurrentUser, EngineDep, StaffUser
from dispatcher.auth.models import Role
from dispatcher.auth.schemas import Login, TokenRead, UserCreate, UserRead
from dispatcher.errors import Forbidden

router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["auth"])


@router.post("/login", responses=errors.declare(401))
def login(body: Login, engine: EngineDep) -> TokenRead:
    """A signed bearer token for a right name and password (401 otherwise)."""
    return engine.accounts.login(body.username, body.password)


@router.get("/me")
def me(user: CurrentUser) -> UserRead:
    """The account behind the token."""
    return UserRead(id=user.user_id, username=user.username, role=user.role,
                    technician_id=user.technician_id, active=True)


@users_router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, engine: EngineDep, user: StaffUser) -> UserRead:
    """Add an account; only an admin may add dispatcher or admin accounts."""
    if body.role is not Role.technician and user.role is not Role.admin:
        raise Forbidden(f"only an admin may create {body.role.value} accounts", field="role")
    return engine.accounts.create(body)


@users_router.get("")
def list_users(engine: EngineDep, _: StaffUser) -> list[UserRead]:
    return engine.accounts.list_()
