"""Security headers on every answer, and CORS only when `DISPATCH_CORS_ORIGINS` names origins.

The apps (/app/, /console/, the resident's /r/, the follow-up page) load only their own
files: a strict Content-Security-Policy without inline script or style. The API's JSON gets
`default-src 'none'`. /docs and /redoc are FastAPI's pages, which load Swagger UI / ReDoc from
a CDN and start them with an inline script, so theirs allows exactly that. The technician app
may use the phone's location and camera; nothing else may use any device.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
           "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The office's QR sheet: a page of inline SVG with its own print style, and no script at all.
SHEET_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
            "https://fonts.googleapis.com; "
            "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
            "https://cdn.redoc.ly; worker-src blob:; frame-ancestors 'none'")
DEVICES = ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
           "payment", "usb")
NO_DEVICES = ", ".join(f"{d}=()" for d in DEVICES)
APP_DEVICES = ", ".join(f"{d}=(self)" if d in ("camera", "geolocation") else f"{d}=()"
                        for d in DEVICES)
COMMON = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
          (b"x-frame-options", b"DENY"))


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers of an answer at `path`."""
    if path.startswith(("/docs", "/redoc")):
        csp = DOCS_CSP
    elif path == "/api/v1/unit-links/sheet":
        csp = SHEET_CSP
    elif path.startswith(("/app", "/console", "/followup/", "/r/")) or path == "/r":
        csp = APP_CSP
    else:
        csp = API_CSP
    devices = APP_DEVICES if path.startswith("/app") else NO_DEVICES
    return [*COMMON, (b"content-security-policy", csp.encode()),
            (b"permissions-policy", devices.encode())]


class SecurityHeadersMiddleware:
    """Adds `headers_for(path)` to every HTTP answer (pure ASGI: streams pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI, cors_origins: list[str]) -> None:
    """Security headers on everything; CORS for `cors_origins` only (none: no CORS at all)."""
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key",
                                          "Last-Event-ID"])
    app.add_middleware(SecurityHeadersMiddleware)
