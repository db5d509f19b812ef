"""The planner worker: consume the event stream, coalesce bursts, re-plan, then ack.

Several workers share one consumer group; a Redis lock with expiry makes sure one plan of a
region is computed at a time. Entries are acked only after the plan that reflects them is
stored, so a worker killed mid-burst leaves them pending, and the next worker claims them.

`run` reads the stream in a thread of its own and places each new ticket as it arrives (cheapest
insertion into the current plan), while the solves run in a child process: a ticket that came
during a solve waited for its end before, a second in a district.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from dispatcher.engine import REPLAN_ON, Engine
from dispatcher.events.redis_stream import Entry, RedisStreamBus
from dispatcher.planning.replanner import ALL_REGIONS

log = logging.getLogger(__name__)

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class PlannerWorker:
    """One consumer of the planner group."""

    def __init__(self, engine: Engine, bus: RedisStreamBus, *, consumer: str | None = None,
                 debounce_ms: int = 200, claim_idle_ms: int = 30_000,
                 lock_ttl_ms: int = 60_000) -> None:
        self.engine = engine
        self.bus = bus
        self.consumer = consumer or f"worker-{uuid.uuid4().hex[:8]}"
        self.debounce_ms = debounce_ms
        self.claim_idle_ms = claim_idle_ms
        self.lock_ttl_ms = lock_ttl_ms
        self.lock_key = f"{bus.stream}:lock:plan"
        self.handled = 0
        self.solves = 0
        self._inbox: list[Entry] = []
        self._arrived = threading.Condition()
        self._reader: threading.Thread | None = None
        bus.ensure_group()

    def run_once(self, block_ms: int = 1000) -> int:
        """Handle one burst: stale entries first, else new ones. Returns how many were acked."""
        batch = self._next(block_ms)
        if not batch:
            return 0
        # Fold what arrives within the debounce window into the same solve; a window, not a
        # quiet gap, or a steady stream would never be planned. Entries that waited for the
        # solve before need no window: they were folded while it ran.
        waited = time.monotonic() - batch[0].read_at
        deadline = time.monotonic() + max(0.0, self.debounce_ms / 1000 - waited)
        while (left := deadline - time.monotonic()) > 0:
            batch += self._next(max(1, int(left * 1000)))
        for region, entries in self._by_region(batch).items():
            self._plan(region, entries)
        self.bus.ack(batch)
        self.handled += len(batch)
        return len(batch)

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set, reading and placing in a second thread; errors are logged
        and retried after a pause."""
        log.info("planner worker %s on stream %s", self.consumer, self.bus.stream)
        self._reader = threading.Thread(target=self._read_on, args=(stop,), name="stream-reader",
                                        daemon=True)
        self._reader.start()
        placer = threading.Thread(target=self._place_on, args=(stop,), name="placer",
                                  daemon=True)
        placer.start()
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("planner worker step failed; retrying")
                stop.wait(1.0)
        with self._arrived:
            self._arrived.notify_all()
        self._reader.join(5)
        placer.join(5)

    def _place_on(self, stop: threading.Event) -> None:
        """The placer thread: follows the whole stream (not only this worker's share of the
        group) for new tickets; the worker that stored the region's latest plan places them
        in it at once, and every worker stops its search in flight, so that whichever holds
        the region's lock solves again with the new tickets."""
        after = self.bus.redis.xinfo_stream(self.bus.stream)["last-generated-id"]
        while not stop.is_set():
            try:
                entries, after = self.bus.follow(after, block_ms=500)
                self.engine.planning.place_new([e.event for e in entries],
                                               only_if_latest=True)
            except Exception:
                log.exception("placing new tickets failed; retrying")
                stop.wait(1.0)

    def _read_on(self, stop: threading.Event) -> None:
        """The reader thread: this worker's share of the group's entries into the inbox."""
        while not stop.is_set():
            try:
                batch = self._read(block_ms=500)
            except Exception:
                log.exception("reading the stream failed; retrying")
                stop.wait(1.0)
                continue
            if batch:
                with self._arrived:
                    self._inbox += batch
                    self._arrived.notify_all()

    def _read(self, block_ms: int) -> list[Entry]:
        """Stale entries of a dead worker first, else new ones."""
        batch = self.bus.claim_stale(self.consumer, min_idle_ms=self.claim_idle_ms)
        if not batch:
            batch = self.bus.read(self.consumer, block_ms=block_ms)
        return batch

    def _next(self, block_ms: int) -> list[Entry]:
        """What was read since the last call, waiting up to `block_ms` for something; read
        here when no reader thread runs (`run_once` alone, as the tests drive it)."""
        if self._reader is None:
            batch = self._read(block_ms)
            self._place(batch)
            return batch
        with self._arrived:
            if not self._inbox:
                self._arrived.wait(block_ms / 1000)
            batch, self._inbox = self._inbox, []
        return batch

    def _place(self, entries: list[Entry]) -> None:
        """New tickets go into this worker's current plan at once (cheapest insertion), before
        the debounce and the full re-plan."""
        self.engine.planning.place_new([entry.event for entry in entries])

    def _by_region(self, batch: list[Entry]) -> dict[str, list[Entry]]:
        """The regions a burst touches (an event without a region touches them all)."""
        touched: dict[str, list[Entry]] = {}
        for entry in batch:
            if entry.event["type"].startswith(REPLAN_ON):
                region = entry.event["payload"].get("region", ALL_REGIONS)
                touched.setdefault(region, []).append(entry)
        if ALL_REGIONS in touched:
            everywhere = touched.pop(ALL_REGIONS)
            for region in self.engine.regions():
                touched.setdefault(region, []).extend(everywhere)
        return touched

    def _plan(self, region: str, entries: list[Entry]) -> None:
        """Plan one region under its lock: one solve per region at a time, across workers."""
        key, token = f"{self.lock_key}:{region}", uuid.uuid4().hex
        while not self.bus.redis.set(key, token, nx=True, px=self.lock_ttl_ms):
            time.sleep(0.05)  # another worker is planning it; ours will include its changes
        try:
            first = entries[0].event["type"]
            trigger = first if len(entries) == 1 else f"{first} +{len(entries) - 1}"
            self.engine.replan_now(trigger, region)
            self.solves += 1
        finally:
            self.bus.redis.eval(_RELEASE, 1, key, token)
