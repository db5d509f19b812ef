"""The re-planning loop: requests coalesce over a debounce window; one solve runs at a time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Replanner:
    """Runs `plan_once(trigger)` in a background thread after each burst of requests.

    Requests arriving while a solve runs are folded into the next one, so a burst of N events
    costs at most two solves, never N.
    """

    def __init__(self, plan_once: Callable[[str], object], debounce_s: float = 0.2) -> None:
        self._plan_once = plan_once
        self._debounce_s = debounce_s
        self._wake = threading.Condition()
        self._solve_lock = threading.Lock()
        self._triggers: list[str] = []
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

    def request(self, trigger: str) -> None:
        """Ask for a re-plan soon; cheap, never blocks on a solve."""
        with self._wake:
            self.requests += 1
            self._triggers.append(trigger)
            self._wake.notify_all()

    def replan_now(self, trigger: str) -> object:
        """Solve right away in the caller's thread (after any solve in flight)."""
        with self._solve_lock:
            self.solves += 1
            return self._plan_once(trigger)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no request is pending and no solve runs; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._triggers or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._triggers and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                self._busy = True
            time.sleep(self._debounce_s)
            with self._wake:
                triggers, self._triggers = self._triggers, []
            try:
                self.replan_now(_summary(triggers))
            except Exception:  # a failed solve must not kill the loop; the next event retries
                log.exception("re-plan failed")
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()


def _summary(triggers: list[str]) -> str:
    first = triggers[0] if triggers else "request"
    return first if len(triggers) == 1 else f"{first} +{len(triggers) - 1}"


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
