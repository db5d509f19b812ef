"""Dependencies shared by the routers: the engine and the caller behind the bearer token."""

from __future__ import annotations

import re
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dispatcher.auth import access
from dispatcher.auth.tokens import Principal
from dispatcher.engine import Engine
from dispatcher.errors import Unauthenticated
from dispatcher.schemas import MAX_ID

# EventSource and <img> cannot send headers: these GETs may carry ?access_token= instead.
# Pages a browser opens itself (an <img>, an EventSource, a sheet to print in a new tab).
QUERY_TOKEN_GETS = (re.compile(r"^/api/v1/stream$"), re.compile(r"^/api/v1/photos/\d+$"),
                    re.compile(r"^/api/v1/unit-links/sheet$"))
NOT_LOGGED_IN = ("not logged in: send Authorization: Bearer <token> from "
                 "POST /api/v1/auth/login")

# Ids in paths and queries are bounded like the columns they name: a larger one is a 422
# naming the parameter, never a database overflow (500).
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a stored row's id")]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a stored row's id")]


async def get_engine(request: Request) -> Engine:
    """The app's engine (async: no I/O here, so no hop to the thread pool)."""
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def _token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'", field="Authorization")
        return value.strip()
    query = request.query_params.get("access_token")
    if query and request.method == "GET" and any(
            p.match(request.url.path) for p in QUERY_TOKEN_GETS):
        return query
    raise Unauthenticated(NOT_LOGGED_IN, field="Authorization")


# Declares the scheme in the OpenAPI (the "Authorize" button of /docs); `_token` does the work.
_bearer_scheme = HTTPBearer(auto_error=False, description="the access_token of POST /auth/login")


def current_user(request: Request, engine: EngineDep,
                 _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]
                 ) -> Principal:
    """The caller: 401 without a valid token (expired, forged, or of a disabled account)."""
    return engine.accounts.principal(_token(request))


CurrentUser = Annotated[Principal, Depends(current_user)]


async def cached_user(request: Request, engine: EngineDep,
                      _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]
                      ) -> Principal:
    """`current_user` for the GPS hot path: a token whose account was read within
    `DISPATCH_AUTH_CACHE_S` is taken without a query or a thread hop."""
    token = _token(request)
    callers = engine.gps.callers
    return callers.get(token) or await to_thread.run_sync(callers.check, token)


CachedUser = Annotated[Principal, Depends(cached_user)]


def staff_only(user: CurrentUser) -> Principal:
    """403 unless the caller is a dispatcher or an admin."""
    access.require_staff(user)
    return user


StaffUser = Annotated[Principal, Depends(staff_only)]


def blank_as_none(value: object) -> object:
    """A form field left unset arrives as "": read it as absent (a `BeforeValidator`)."""
    return None if value == "" else value
