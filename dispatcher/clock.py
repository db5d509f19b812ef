"""The one source of time: the server uses the system clock, tests and the simulator their own."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new time."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when`."""
        with self._lock:
            self._now = when.astimezone(UTC)


class ScaledClock:
    """Simulated time from `start`, running `speed` times faster than the wall clock (the demo).

    `anchor` (seconds since the epoch, the wall-clock instant `start` stands for) lets another
    process (the demo's planner) keep the same time; without it the clock starts now.
    """

    def __init__(self, start: datetime, speed: float = 1.0, anchor: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = start.astimezone(UTC)
        self.anchor = time.time() if anchor is None else anchor
        self._t0 = time.monotonic() - (time.time() - self.anchor)
        self.speed = speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    @property
    def start(self) -> datetime:
        return self._start
