"""Domain errors to HTTP: 401/403 for access, 404, 409, 410 gone, 413/415 uploads, 422; the
message names the field."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        # 401 tells the client how to authenticate (RFC 6750).
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=status,
                            headers=headers)

    @app.exception_handler(PolicyError)
    async def _policy(_: Request, exc: PolicyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": "sla_policy"}, status_code=500)
