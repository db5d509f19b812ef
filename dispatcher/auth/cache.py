"""Tokens recently found valid, so a hot path (GPS fixes) checks a caller without a query.

A token's account is read again once its entry is `ttl_s` old (wall time), so a disabled
account loses access within `ttl_s` (`DISPATCH_AUTH_CACHE_S`, 30 s by default). The token's
own expiry is checked on every call, against the engine's clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from dispatcher.auth.tokens import EXPIRED, Principal
from dispatcher.clock import Clock
from dispatcher.errors import Unauthenticated

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    expires: float  # the token's exp claim, epoch seconds
    checked: float  # when the account was read, monotonic seconds


class PrincipalCache:
    """`check(token)` (the full check, which reads the account) remembered for `ttl_s`."""

    def __init__(self, check: Callable[[str], Principal], *, ttl_s: float, clock: Clock,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._check = check
        self._ttl_s = ttl_s
        self._clock = clock
        self._monotonic = monotonic
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        """The caller if his account was checked within `ttl_s`; None: call `check`."""
        entry = self._entries.get(token)
        if entry is None or self._monotonic() - entry.checked >= self._ttl_s:
            return None
        if self._clock.now().timestamp() >= entry.expires:
            raise Unauthenticated(EXPIRED, field="Authorization")
        return entry.principal

    def check(self, token: str) -> Principal:
        """The full check (`Unauthenticated` if refused); a valid token is remembered."""
        principal = self._check(token)
        # Verified by `_check` just now: reading its expiry without the key is safe.
        expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # rare: a full re-check of every caller is cheap enough
            self._entries[token] = _Entry(principal, expires, self._monotonic())
        return principal
