"""The re-planning loop: requests coalesce over a debounce window; one solve runs at a time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


ALL_REGIONS = "*"


class Replanner:
    """Runs `plan_once(trigger, region)` in a background thread after each burst of requests.

    Requests arriving while a solve runs are folded into the next one, so a burst of N events
    in a region costs at most two solves of that region, never N. One solve runs at a time.
    """

    def __init__(self, plan_once: Callable[[str, str], object],
                 regions: Callable[[], list[str]], debounce_s: float = 0.2) -> None:
        self._plan_once = plan_once
        self._regions = regions
        self._debounce_s = debounce_s
        self._wake = threading.Condition()
        self._solve_lock = threading.Lock()
        self._pending: dict[str, list[str]] = {}
        self._since = 0.0  # when the oldest pending request came
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.solves = 0
        self.requests = 0

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="replanner", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the solve in flight and stop the thread."""
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def request(self, trigger: str, region: str = ALL_REGIONS) -> None:
        """Ask for a re-plan of `region` soon; cheap, never blocks on a solve."""
        with self._wake:
            self.requests += 1
            if not self._pending:
                self._since = time.monotonic()
            self._pending.setdefault(region, []).append(trigger)
            self._wake.notify_all()

    def replan_now(self, trigger: str, region: str) -> object:
        """Solve one region right away in the caller's thread (after any solve in flight)."""
        with self._solve_lock:
            self.solves += 1
            return self._plan_once(trigger, region)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no request is pending and no solve runs; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                self._busy = True
                # A window from the first request: one that waited for a solve in flight has
                # had its window already, and waits no more.
                wait = self._debounce_s - (time.monotonic() - self._since)
            if wait > 0:
                time.sleep(wait)
            with self._wake:
                pending, self._pending = self._pending, {}
            try:
                for region, triggers in self._expand(pending).items():
                    self.replan_now(_summary(triggers), region)
            except Exception:  # a failed solve must not kill the loop; the next event retries
                log.exception("re-plan failed")
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()

    def _expand(self, pending: dict[str, list[str]]) -> dict[str, list[str]]:
        """Replace "every region" by the regions that exist now."""
        if ALL_REGIONS not in pending:
            return pending
        everywhere = pending.pop(ALL_REGIONS)
        for region in self._regions():
            pending.setdefault(region, []).extend(everywhere)
        return pending


class Ticker:
    """Calls `tick()` every `interval_s` seconds in a background thread (e.g. the alert clock)."""

    def __init__(self, tick: Callable[[], object], interval_s: float) -> None:
        self._tick = tick
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._tick()
            except Exception:  # the clock must keep ticking; the log says what failed
                log.exception("periodic task failed")


def _summary(triggers: list[str]) -> str:
    first = triggers[0] if triggers else "request"
    return first if len(triggers) == 1 else f"{first} +{len(triggers) - 1}"
