"""Log in for a bearer token; who am I; accounts (dispatchers and admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from api import errors, login_guard, ratelimit
from api.deps import CurrentUser, EngineDep, Id, StaffUser
from dispatcher.auth.models import Role
from dispatcher.auth.schemas import Login, TokenRead, UserCreate, UserRead, UserUpdate
from dispatcher.errors import Forbidden

router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["auth"])


@router.post("/login", responses=errors.declare(401))
async def login(body: Login, request: Request, engine: EngineDep) -> TokenRead:
    """A signed bearer token for a right name and password (401 otherwise); 429 with
    `Retry-After` while the account is locked or the address over its limit."""
    return await login_guard.login(request.app.state.limits, engine, username=body.username,
                                   password=body.password,
                                   address=ratelimit.client_address(request.scope))


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


@users_router.patch("/{user_id}")
def update_user(user_id: Id, body: UserUpdate, engine: EngineDep, user: StaffUser) -> UserRead:
    """A new password, or the account disabled (`active: false`) or enabled again: the tokens
    issued to it before stop working at once. Only an admin may change a staff account."""
    target = engine.accounts.get(user_id)
    if target.role is not Role.technician and user.role is not Role.admin:
        raise Forbidden(f"only an admin may change {target.role.value} accounts", field="role")
    return engine.accounts.update(user_id, body)


@users_router.get("")
def list_users(engine: EngineDep, _: StaffUser) -> list[UserRead]:
    return engine.accounts.list_()
