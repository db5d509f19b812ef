"""Rate limits: fixed-window counters per account and per client address, in Redis when it is
configured (shared by every `dispatch serve`), in memory otherwise. A limited request is a 429
with `Retry-After`.

- Logins: an address gets `login_per_address_per_min` tries; `login_failures_per_min` wrong
  passwords lock the account for `login_lockout_min` and raise a `login_lockout` alert; only
  `login_concurrent_checks` argon2 checks run at once, `login_queue` more wait, the rest are
  refused, so a flood of logins cannot take the CPU from the other endpoints.
- Writes (POST/PUT/PATCH/DELETE under /api/v1): `writes_per_min` per account (the token's
  subject) and `writes_per_address_per_min` per address.
- GPS fixes: `gps_per_s` per technician, always in this process's memory: a Redis round trip
  per fix would cost the hot path more than the fix itself.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable
from typing import Protocol

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis import asyncio as aioredis
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors
from dispatcher.config import Settings

PREFIX = "/api/v1/"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Limited on their own terms: logins by `LoginGuard`, fixes by `Window` in the route.
OWN_LIMITS = (re.compile(r"^/api/v1/auth/login$"),
              re.compile(r"^/api/v1/technicians/[^/]+/position$"))
GPS_WINDOW_S = 10.0


class RateLimited(Exception):
    """Too many requests: retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.retry_after, self.message, self.field = retry_after, message, field


class Window:
    """Fixed-window counters in this process's memory: one dict read and write per hit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._blocks: dict[str, float] = {}

    def hit_now(self, key: str, limit: int, window_s: float) -> float | None:
        """Count a hit; the seconds until the window ends if it is over `limit`, else None."""
        now = self._clock()
        slot = int(now // window_s)
        start, count = self._counts.get(key, (slot, 0))
        count = count + 1 if start == slot else 1
        if len(self._counts) > 100_000:  # forget finished windows rather than grow forever
            self._counts = {k: v for k, v in self._counts.items() if v[0] == slot}
        self._counts[key] = (slot, count)
        return (slot + 1) * window_s - now if count > limit else None

    async def hit(self, key: str, limit: int, window_s: float) -> float | None:
        return self.hit_now(key, limit, window_s)

    async def blocked(self, key: str) -> float | None:
        until = self._blocks.get(key)
        left = None if until is None else until - self._clock()
        return left if left is not None and left > 0 else None

    async def block(self, key: str, seconds: float) -> None:
        self._blocks[key] = self._clock() + seconds

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)


class RedisWindow:
    """The same counters in Redis: INCR with an expiry per window, SET EX for a lockout."""

    def __init__(self, url: str, prefix: str = "dispatch:rl:") -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window_s: float) -> float | None:
        now = time.time()
        slot = int(now // window_s)
        name = f"{self._prefix}{key}:{slot}"
        async with self._redis.pipeline(transaction=False) as pipe:
            count, _ = await pipe.incr(name).expire(name, math.ceil(window_s) + 1).execute()
        return (slot + 1) * window_s - now if count > limit else None

    async def blocked(self, key: str) -> float | None:
        left = await self._redis.pttl(f"{self._prefix}block:{key}")
        return left / 1000 if left and left > 0 else None

    async def block(self, key: str, seconds: float) -> None:
        await self._redis.set(f"{self._prefix}block:{key}", 1, px=max(1, int(seconds * 1000)))

    async def clear(self, key: str) -> None:
        slot_keys = [k async for k in self._redis.scan_iter(f"{self._prefix}{key}:*")]
        if slot_keys:
            await self._redis.delete(*slot_keys)

    async def aclose(self) -> None:
        await self._redis.aclose()


class Counters(Protocol):
    """Where counters live: `Window` (memory) or `RedisWindow`."""

    async def hit(self, key: str, limit: int, window_s: float) -> float | None: ...

    async def blocked(self, key: str) -> float | None: ...

    async def block(self, key: str, seconds: float) -> None: ...

    async def clear(self, key: str) -> None: ...


class Limits:
    """The app's limits: shared counters, the GPS window, and the login checks' gate."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.counters: Counters = (RedisWindow(settings.redis_url) if settings.redis_url
                                   else Window())
        self.gps = Window()
        self._gps_limit = max(1, int(settings.gps_per_s * GPS_WINDOW_S))
        self.checks: anyio.Semaphore | None = None  # made in the event loop (`login_guard`)
        self.waiting = 0

    def gps_fix(self, technician_id: int) -> None:
        """Count a fix of `technician_id`; `RateLimited` past `gps_per_s`."""
        wait = self.gps.hit_now(str(technician_id), self._gps_limit, GPS_WINDOW_S)
        if wait is not None:
            raise RateLimited(wait, f"more than {self.settings.gps_per_s:g} GPS fixes a second "
                                    f"for technician {technician_id}", "technician_id")

    async def write(self, account: str | None, address: str) -> None:
        """Count a write by `account` (None: no readable token) from `address`."""
        s = self.settings
        wait = await self.counters.hit(f"w:a:{address}", s.writes_per_address_per_min, 60)
        if wait is not None:
            raise RateLimited(wait, f"more than {s.writes_per_address_per_min} changes a "
                                    "minute from this address")
        if account is not None:
            wait = await self.counters.hit(f"w:u:{account}", s.writes_per_min, 60)
            if wait is not None:
                raise RateLimited(wait, f"more than {s.writes_per_min} changes a minute by "
                                        "this account", "Authorization")

    async def aclose(self) -> None:
        if isinstance(self.counters, RedisWindow):
            await self.counters.aclose()


def install(app: FastAPI, settings: Settings) -> Limits:
    """Put the limits on `app` (`app.state.limits`), with the 429 handler and the writes'
    middleware."""
    limits = Limits(settings)
    app.state.limits = limits

    @app.exception_handler(RateLimited)
    async def _limited(_: Request, exc: RateLimited) -> JSONResponse:
        return too_many(exc)

    app.add_middleware(WriteLimitMiddleware)
    return limits


def too_many(exc: RateLimited) -> JSONResponse:
    """The 429 of `exc`, with `Retry-After` in whole seconds."""
    return errors.answer(429, exc.message, exc.field,
                         {"Retry-After": str(max(1, math.ceil(exc.retry_after)))})


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (uvicorn applies trusted proxy headers)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def token_subject(scope: Scope) -> str | None:
    """The `sub` of the bearer token, read without checking its signature: only a counter's
    key (a forged subject still gets its 401, and costs its own address's budget)."""
    header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
    parts = header.decode("latin-1").partition(" ")[2].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return str(payload["sub"])
    except (ValueError, KeyError, TypeError):
        return None


class WriteLimitMiddleware:
    """Counts each write under /api/v1 (logins and GPS fixes have limits of their own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in WRITES
                and scope["path"].startswith(PREFIX)
                and not any(p.match(scope["path"]) for p in OWN_LIMITS)):
            limits: Limits = scope["app"].state.limits
            try:
                await limits.write(token_subject(scope), client_address(scope))
            except RateLimited as exc:
                await too_many(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
