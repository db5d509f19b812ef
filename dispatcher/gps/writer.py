"""The track writer: a thread that writes the buffered GPS fixes every ~150 ms, in one go.

The request path only appends to the buffer (a list behind a lock). A failed write puts the
batch back at the head of the buffer and is tried again at the next tick; `stop` writes what is
left, so nothing accepted is lost on a clean shutdown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dispatcher.gps.track import Accepted

log = logging.getLogger(__name__)
STOP_ATTEMPTS = 3


class TrackWriter:
    """Calls `write(batch)` with everything buffered, every `interval_s`, one batch at a time."""

    def __init__(self, write: Callable[[list[Accepted]], None], interval_s: float) -> None:
        self._write = write
        self._interval_s = interval_s
        self._buffer: list[Accepted] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # batches reach the database in the order accepted
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.batches = 0

    def add(self, accepted: Accepted) -> None:
        """Buffer one fix; cheap, never waits on the database."""
        with self._lock:
            self._buffer.append(accepted)

    def pending(self) -> int:
        """Fixes accepted and not yet written."""
        with self._lock:
            return len(self._buffer)

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gps-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread, then write what is left (retrying a failed write a few times)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        for _ in range(STOP_ATTEMPTS):
            if self.flush() or not self.pending():
                return
        log.error("GPS writer stopped with %d fixes unwritten", self.pending())

    def flush(self) -> bool:
        """Write what is buffered now; False if the write failed (the batch stays buffered)."""
        with self._writing:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return True
            try:
                self._write(batch)
            except Exception:  # the database may be briefly unavailable: keep the fixes
                log.exception("writing %d GPS fixes failed; retrying", len(batch))
                with self._lock:
                    self._buffer[:0] = batch
                return False
            self.batches += 1
            return True

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.flush()
