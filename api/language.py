"""The reader's language for texts the server writes (reasons, alert messages): taken from
`Accept-Language` for the length of a request (`dispatcher.messages`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatcher import messages


class LanguageMiddleware:
    """Sets `messages.language` from `Accept-Language` and `messages.company_tz`; answers
    say `Vary: Accept-Language`, since their texts depend on it."""

    def __init__(self, app: ASGIApp, tz: ZoneInfo) -> None:
        self.app, self.tz = app, tz

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"accept-language"), b"")
        lang = messages.language.set(messages.pick(header.decode("latin-1")))
        tz = messages.company_tz.set(self.tz)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"vary", b"Accept-Language")]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            messages.company_tz.reset(tz)
            messages.language.reset(lang)


def install(app: FastAPI, tz: ZoneInfo) -> None:
    app.add_middleware(LanguageMiddleware, tz=tz)
