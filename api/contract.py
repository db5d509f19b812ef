"""The OpenAPI document as a contract: each operation declares every status it can answer, and
every refusal is the one `ErrorRead` shape (FastAPI's own `HTTPValidationError` is replaced,
since `api.errors` answers validation errors as `ErrorRead` too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.deps import cached_user, current_user
from api.errors import ErrorRead
from api.idempotency import GUARDED, PREFIX

ERROR_REF = {"$ref": "#/components/schemas/ErrorRead"}
REASONS = {400: "Bad request", 401: "No valid bearer token", 403: "Not allowed for this account",
           404: "Not found", 409: "Conflicts with the current state, or the same "
           "Idempotency-Key is still being applied", 410: "Gone",
           413: "Too large", 415: "Unsupported media type",
           422: "Invalid: `field` names the parameter, header or body field",
           429: "Too many requests: retry after `Retry-After` seconds"}
# Signed-in operations that answer every account (a technician's is narrowed to his own).
NEVER_FORBIDDEN = {"GET /api/v1/auth/me", "GET /api/v1/tickets", "GET /api/v1/technicians",
                   "GET /api/v1/plan", "GET /api/v1/sites"}


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with the contract builder (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with every operation's refusals declared as `ErrorRead`."""
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                         description=app.description)
    for route in _routes(app):
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            for status in sorted(statuses(route, method)):
                operation["responses"].setdefault(str(status), {"description": REASONS[status]})
            _errors_as_error_read(operation)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["ErrorRead"] = ErrorRead.model_json_schema()
    return schema


def statuses(route: APIRoute, method: str) -> set[int]:
    """The refusals `route` can answer beside those its decorator declares."""
    found: set[int] = set()
    signed_in = _uses(route.dependant, {current_user, cached_user})
    if signed_in:
        found.add(401)
        if f"{method} {route.path_format}" not in NEVER_FORBIDDEN:
            found.add(403)
    if _reads(route.dependant, "path_params"):
        found.add(404)
    guarded = method in GUARDED and route.path_format.startswith(PREFIX)
    if guarded or any(_reads(route.dependant, kind) for kind in
                      ("path_params", "query_params", "header_params", "body_params")):
        found.add(422)
    if guarded:  # every write is rate-limited (api.ratelimit), GPS fixes and logins included
        found.update((409, 429))
    return found


def _errors_as_error_read(operation: dict[str, Any]) -> None:
    for code, response in operation["responses"].items():
        if code.startswith("4"):
            response["content"] = {"application/json": {"schema": ERROR_REF}}


def _routes(app: FastAPI) -> Iterator[APIRoute]:
    for route in api_routes(app):
        if route.include_in_schema:
            yield route


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every endpoint of `app` as it is served (prefix and router dependencies applied)."""
    contexts = getattr(routing, "iter_route_contexts", None)  # FastAPI >= 0.13x: lazy routers
    if contexts is None:
        yield from (r for r in app.routes if isinstance(r, APIRoute))
        return
    for context in contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield cast(APIRoute, context)


def _uses(dependant: Dependant, calls: set[Callable[..., Any]]) -> bool:
    return dependant.call in calls or any(_uses(d, calls) for d in dependant.dependencies)


def _reads(dependant: Dependant, kind: str) -> bool:
    """Whether the endpoint or one of its dependencies reads parameters of `kind`."""
    return bool(getattr(dependant, kind)) or any(_reads(d, kind) for d in dependant.dependencies)
