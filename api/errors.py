"""Domain errors to HTTP: not found 404, conflict 409, gone 410, refused 422; the message names
the field."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dispatcher.errors import Conflict, DomainError, Gone, Invalid, NotFound
from dispatcher.sla.policy import PolicyError

_STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, Gone: 410}


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=status)

    @app.exception_handler(PolicyError)
    async def _policy(_: Request, exc: PolicyError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": "sla_policy"}, status_code=500)
