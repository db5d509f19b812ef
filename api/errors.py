"""Errors to HTTP: every refusal, the domain's and FastAPI's own, is one `ErrorRead` body
`{detail, field, code}` whose `field` names what was wrong, so a client parses one shape."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from dispatcher.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    TooLarge,
    Unauthenticated,
    Unsupported,
)
from dispatcher.sla.policy import PolicyError

_STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, Unauthenticated: 401, Forbidden: 403,
           TooLarge: 413, Unsupported: 415,
           Gone: 410}
# The `code` of each status: a stable word a client can switch on.
CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
         415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
         500: "server_error"}


class ErrorRead(BaseModel):
    """Why a request was refused: a readable message, the field at fault, a stable code."""

    detail: str
    field: str | None = Field(None, description="the field, parameter or header at fault")
    code: str = Field(description="e.g. invalid, not_found, forbidden, rate_limited")


def declare(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that answers `statuses` beyond what `api.contract` infers."""
    return {status: {"model": ErrorRead} for status in statuses}


def body(status: int, detail: str, field: str | None = None) -> dict[str, Any]:
    """The `ErrorRead` body of a refusal with `status`."""
    return {"detail": detail, "field": field, "code": CODES.get(status, "error")}


def answer(status: int, detail: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    """A refusal as a response."""
    return JSONResponse(body(status, detail, field), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        # 401 tells the client how to authenticate (RFC 6750).
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return answer(status, exc.message, exc.field, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (methods := shadowed(request)) is not None:  # DELETE /overrides/hold: not an id
            return answer(405, "Method Not Allowed", None, {"Allow": ", ".join(methods)})
        return answer(422, *validation_message(exc.errors()))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body": malformed JSON or form
            return answer(422, f"body: {exc.detail}", "body")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method the path has, not only its first route's
            headers["Allow"] = ", ".join(allowed_methods(request))
        return answer(exc.status_code, str(exc.detail), None, headers or None)

    @app.exception_handler(PolicyError)
    async def _policy(_: Request, exc: PolicyError) -> JSONResponse:
        return answer(500, str(exc), "sla_policy")


def validation_message(errors: Any) -> tuple[str, str | None]:
    """pydantic's error list as one line naming each field, and the first field at fault."""
    parts, fields = [], []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        # ("body", "window", "end") -> "window.end"; a whole body -> "body".
        where = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
        fields.append(where or None)
    return "; ".join(parts) or "invalid request", next((f for f in fields if f), None)


def shadowed(request: Request) -> list[str] | None:
    """The methods of the resource at the request's path when the route that took the request
    is a template another resource's literal path shadows (`/tickets/preview` read as
    `/tickets/{ticket_id}`); None when it is the path's own route."""
    from api.contract import api_routes

    path, method = request.scope["path"], request.method
    matching = [route for route in api_routes(request.app) if route.path_regex.match(path)]
    taken = next((route for route in matching if method in route.methods), None)
    if not matching or taken is None or taken.path_format == matching[0].path_format:
        return None
    return allowed_methods(request)


def allowed_methods(request: Request) -> list[str]:
    """The methods of every route whose path matches the request's."""
    from api.contract import api_routes  # contract builds on this module

    path = request.scope["path"]
    matching = [route for route in api_routes(request.app) if route.path_regex.match(path)]
    # The first matching template is the resource (`/overrides/hold`, not `/{ticket_id}`).
    template = matching[0].path_format if matching else None
    return sorted({m for route in matching if route.path_format == template
                   for m in route.methods})
