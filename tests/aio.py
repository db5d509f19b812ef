"""Run a coroutine to its end from a synchronous test.

`asyncio.run` refuses to start where an event loop already runs, and the browser tests'
session-wide Playwright keeps one running in the main thread once the first of them has run;
a thread of its own has no loop, whatever ran before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)` in a fresh thread; its result or its exception."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
