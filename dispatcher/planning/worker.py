"""The planner worker: consume the event stream, coalesce bursts, re-plan, then ack.

Several workers share one consumer group; a Redis lock with expiry makes sure one plan is
computed at a time (one region today: regions come with per-region locks). Entries are acked
only after the plan that reflects them is stored, so a worker killed mid-burst leaves them
pending, and the next worker claims them.
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
        bus.ensure_group()

    def run_once(self, block_ms: int = 1000) -> int:
        """Handle one burst: stale entries first, else new ones. Returns how many were acked."""
        batch = self.bus.claim_stale(self.consumer, min_idle_ms=self.claim_idle_ms)
        if not batch:
            batch = self.bus.read(self.consumer, block_ms=block_ms)
        if not batch:
            return 0
        self._place(batch)
        # Fold what arrives within the debounce window into the same solve; a window, not a
        # quiet gap, or a steady stream would never be planned.
        deadline = time.monotonic() + self.debounce_ms / 1000
        while (left := deadline - time.monotonic()) > 0:
            more = self.bus.read(self.consumer, block_ms=max(1, int(left * 1000)))
            self._place(more)
            batch += more
        for region, entries in self._by_region(batch).items():
            self._plan(region, entries)
        self.bus.ack(batch)
        self.handled += len(batch)
        return len(batch)

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; errors are logged and retried after a pause."""
        log.info("planner worker %s on stream %s", self.consumer, self.bus.stream)
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("planner worker step failed; retrying")
                stop.wait(1.0)

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
