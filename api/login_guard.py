"""Logins under rate limits (see `api.ratelimit`): the locked account and the busy address are
refused before the password is hashed, and at most `login_concurrent_checks` hashes run."""

from __future__ import annotations

from anyio import Semaphore, to_thread

from api.ratelimit import Limits, RateLimited
from dispatcher.auth.schemas import TokenRead
from dispatcher.engine import Engine
from dispatcher.errors import Unauthenticated


async def login(limits: Limits, engine: Engine, *, username: str, password: str,
                address: str) -> TokenRead:
    """The token of a right name and password; 429 when locked, busy or over a limit."""
    s = limits.settings
    locked = await limits.counters.blocked(f"lock:{username}")
    if locked is not None:
        raise RateLimited(locked, f"account {username!r} is locked after repeated wrong "
                                  "passwords; try again later", "username")
    wait = await limits.counters.hit(f"l:a:{address}", s.login_per_address_per_min, 60)
    if wait is not None:
        raise RateLimited(wait, f"more than {s.login_per_address_per_min} logins a minute "
                                "from this address")
    gate = _gate(limits)
    if gate.value == 0 and limits.waiting >= s.login_queue:
        raise RateLimited(1, "too many logins at once; retry in a second")
    limits.waiting += 1
    try:
        await gate.acquire()
    finally:
        limits.waiting -= 1
    try:
        token = await to_thread.run_sync(engine.accounts.login, username, password)
    except Unauthenticated:
        await _failed(limits, engine, username, address)
        raise
    finally:
        gate.release()
    await limits.counters.clear(f"l:f:{username}")
    return token


def _gate(limits: Limits) -> Semaphore:
    # Made in the server's event loop, on first use.
    if limits.checks is None:
        limits.checks = Semaphore(limits.settings.login_concurrent_checks)
    return limits.checks


async def _failed(limits: Limits, engine: Engine, username: str, address: str) -> None:
    """Count a wrong password; the `login_failures_per_min`-th in a minute locks the account."""
    s = limits.settings
    if await limits.counters.hit(f"l:f:{username}", s.login_failures_per_min - 1, 60) is None:
        return
    await limits.counters.block(f"lock:{username}", s.login_lockout_min * 60)
    await limits.counters.clear(f"l:f:{username}")
    await to_thread.run_sync(lambda: engine.report_lockout(
        username, address=address, minutes=s.login_lockout_min))
