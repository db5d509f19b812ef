"""The embedded default's planner: a process of its own, so no solve shares a GIL with requests.

An OR-Tools solve holds Python's GIL from start to end, so a server that solved in its own
process would stop answering for the length of every solve. Without Redis, `dispatch serve`
(and the demo) therefore start `dispatch planner` as a child process and keep it running
(`PlannerSupervisor`: restarted if it dies). The planner hears what the API stored by following
the events table (`EventFollower`: one indexed query every few milliseconds, whatever the number
of clients), places each new ticket at once by cheapest insertion into the current plan, and
re-plans after each burst. It writes its plans, alerts and events to the same database, where
the API reads them. With Redis, `dispatch worker`s plan instead and nothing is started here.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from dispatcher.events.models import Event

if TYPE_CHECKING:
    from dispatcher.engine import Engine

log = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[2]  # the folder holding dispatcher/ and api/

Handler = Callable[[list[dict[str, Any]]], None]


class EventFollower:
    """Reads the events stored after a cursor and hands them on in order, in one thread.

    Ids are read a little behind the cursor too: on PostgreSQL a transaction that took a
    lower id may commit after a higher one, and its event must not be skipped.
    """

    LOOKBACK = 64

    def __init__(self, sessions: sessionmaker[Session], handle: Handler, *,
                 kinds: Sequence[str] = (), poll_s: float = 0.01, batch: int = 500) -> None:
        self._sessions = sessions
        self._handle = handle
        # Only these event types (prefixes) are read: GPS fixes alone are thousands a second.
        self._kinds = or_(*(Event.type.startswith(k) for k in kinds)) if kinds else true()
        self._poll_s = poll_s
        self._batch = batch
        self._seen: deque[int] = deque(maxlen=4 * self.LOOKBACK)
        self.cursor = 0

    def start_at_end(self) -> None:
        """Follow only what is stored from now on."""
        with self._sessions() as s:
            self.cursor = s.scalar(select(func.max(Event.id))) or 0
            self._seen.extend(s.scalars(select(Event.id).where(
                Event.id > self.cursor - self.LOOKBACK, self._kinds)))

    def poll(self) -> int:
        """Hand on the events stored since the last poll; returns how many. They count as
        seen before they are handed on: a handler that fails is not fed them again."""
        with self._sessions() as s:
            rows = list(s.scalars(select(Event).where(Event.id > self.cursor - self.LOOKBACK,
                                                      self._kinds)
                                  .order_by(Event.id).limit(self._batch)))
            fresh = [e.as_dict() for e in rows if e.id not in self._seen]
        if not fresh:
            return 0
        self._seen.extend(e["id"] for e in fresh)
        self.cursor = max(self.cursor, fresh[-1]["id"])
        self._handle(fresh)
        return len(fresh)

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; a failed poll is logged and retried."""
        while not stop.is_set():
            try:
                if self.poll() == 0:
                    stop.wait(self._poll_s)
            except Exception:
                log.exception("following the events table failed; retrying")
                stop.wait(1.0)


class PlannerSupervisor:
    """Runs `dispatch planner` as a child process and starts it again whenever it dies."""

    def __init__(self, args: Sequence[str], *, env: dict[str, str] | None = None,
                 restart_after_s: float = 0.5) -> None:
        self._command = [sys.executable, "-m", "api.cli", "planner", *args]
        # The child imports the same code as this process, wherever it was started from.
        path = os.pathsep.join(p for p in (str(PROJECT), os.environ.get("PYTHONPATH")) if p)
        self._env = {**os.environ, "PYTHONPATH": path, **(env or {})}
        self._restart_after_s = restart_after_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """The planner's process id, while it runs."""
        process = self.process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start the planner and the thread that watches it."""
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="planner-supervisor",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop watching, then ask the planner to finish (SIGTERM) and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self._command, env=self._env)
        self.starts += 1
        log.info("planner process %s started", self.process.pid)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            process = self.process
            if process is None or process.poll() is None:
                continue
            log.warning("planner process %s ended (exit %s); starting it again",
                        process.pid, process.returncode)
            if self._stop.wait(self._restart_after_s):
                return
            self._spawn()


def run_planner(engine: Engine, stop: threading.Event, *, kinds: Sequence[str] = (),
                poll_s: float = 0.01) -> None:
    """The planner process's life: follow the events table from its end, place new tickets
    and re-plan after each burst (the engine's re-planner thread), evaluate alerts on its
    clock; plan everything once at start, since events before it were not heard."""
    follower = EventFollower(engine.sessions, engine.hear, kinds=kinds, poll_s=poll_s)
    follower.start_at_end()
    engine.start()
    engine.replanner.request("planner started")
    log.info("planner following events after %s", follower.cursor)
    try:
        follower.run(stop)
    finally:
        engine.stop()


def orphan_watch(stop: threading.Event, every_s: float = 1.0) -> None:
    """Set `stop` once the process that started this one is gone (killed without a chance to
    stop its planner): an orphaned planner would go on writing plans nobody asked for."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(every_s):
            if os.getppid() != parent:
                log.warning("the server that started this planner is gone; stopping")
                stop.set()
    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def wait_for(check: Callable[[], bool], timeout_s: float, every_s: float = 0.05) -> bool:
    """Poll `check` until it holds or `timeout_s` passes (for start-up and tests)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every_s)
    return check()
