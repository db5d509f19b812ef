"""Redis Streams backend: events on a stream, a consumer group for the planner workers.

The database stays the system of record; the stream carries the news. Entries are acked only
after the plan that reflects them is stored, and entries left pending by a crashed worker are
claimed by another after `claim_idle_ms`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from dispatcher.events.bus import Handler

POSITIONS_KEY = "dispatch:positions"
DEDUP_SECONDS = 24 * 3600  # how long an event id is remembered as already on the stream
_XADD_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[1])
end
return false
"""

# `_XADD_ONCE` for many events: KEYS = stream, then a marker per event; ARGV = ttl, maxlen,
# then the events in the markers' order.
_XADD_MANY = """
local added = 0
for i = 3, #ARGV do
  if redis.call('SET', KEYS[i - 1], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[i])
    added = added + 1
  end
end
return added
"""


@dataclass(frozen=True)
class Entry:
    """One stream entry: its stream id, the event it carries and when this process read it."""

    stream_id: str
    event: dict[str, Any]
    read_at: float = field(default_factory=time.monotonic, compare=False)


class RedisStreamBus:
    """Publishes events with XADD; the planner group reads them with XREADGROUP."""

    durable = True

    def __init__(self, url: str, *, stream: str = "dispatch:events", group: str = "planner",
                 maxlen: int = 1_000_000) -> None:
        self.redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5,
                                          socket_connect_timeout=2)
        self.stream = stream
        self.group = group
        self.maxlen = maxlen
        self._handlers: list[Handler] = []
        self._xadd_once = self.redis.register_script(_XADD_ONCE)
        self._xadd_many = self.redis.register_script(_XADD_MANY)

    # -- publishing -------------------------------------------------------------------------
    def publish(self, event: dict[str, Any]) -> None:
        """Append to the stream once per event id (raises `redis.RedisError` when Redis is
        unreachable). A relay that crashed after XADD but before marking the row published
        will publish it again; the marker key makes that second XADD a no-op."""
        self._xadd_once(keys=[self.stream, f"{self.stream}:published:{event['id']}"],
                        args=[json.dumps(event), DEDUP_SECONDS, self.maxlen])
        if event["type"] == "technician.position" and event["payload"].get("applied", True):
            p = event["payload"]
            self.redis.geoadd(POSITIONS_KEY, (p["lon"], p["lat"], str(p["technician_id"])))
        for handler in list(self._handlers):
            handler(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """`publish` for a batch: one script call and one GEOADD in one round trip (the GPS
        writer's position events), each event still appended once per id."""
        if not events:
            return
        markers = [f"{self.stream}:published:{e['id']}" for e in events]
        places = [x for e in events if e["type"] == "technician.position"
                  and e["payload"].get("applied", True)
                  for x in (e["payload"]["lon"], e["payload"]["lat"],
                            str(e["payload"]["technician_id"]))]
        with self.redis.pipeline(transaction=False) as pipe:
            self._xadd_many(keys=[self.stream, *markers], client=pipe,
                            args=[DEDUP_SECONDS, self.maxlen, *map(json.dumps, events)])
            if places:
                pipe.geoadd(POSITIONS_KEY, places)
            pipe.execute()
        for event in events:
            for handler in list(self._handlers):
                handler(event)

    def subscribe(self, handler: Handler) -> None:
        """Local handlers, called after each successful publish in this process."""
        self._handlers.append(handler)

    # -- consuming --------------------------------------------------------------------------
    def ensure_group(self) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, consumer: str, *, count: int = 1000, block_ms: int = 1000) -> list[Entry]:
        """New entries for `consumer`, waiting up to `block_ms` for the first."""
        answer = self.redis.xreadgroup(self.group, consumer, {self.stream: ">"}, count=count,
                                       block=block_ms)
        return [_entry(i, f) for _, items in answer or [] for i, f in items]

    def follow(self, after: str, *, count: int = 1000,
               block_ms: int = 1000) -> tuple[list[Entry], str]:
        """Every entry after stream id `after` (outside the group: each follower sees all),
        waiting up to `block_ms`; with the id to follow from next ("$": from now on)."""
        answer = self.redis.xread({self.stream: after}, count=count, block=block_ms)
        entries = [_entry(i, f) for _, items in answer or [] for i, f in items]
        return entries, entries[-1].stream_id if entries else after

    def claim_stale(self, consumer: str, *, min_idle_ms: int, count: int = 1000) -> list[Entry]:
        """Take over entries another consumer read but never acked (it crashed)."""
        _, items, _ = self.redis.xautoclaim(self.stream, self.group, consumer, min_idle_ms,
                                            "0-0", count=count)
        return [_entry(i, f) for i, f in items if f]

    def ack(self, entries: list[Entry]) -> None:
        if entries:
            self.redis.xack(self.stream, self.group, *[e.stream_id for e in entries])

    def entries(self) -> list[Entry]:
        """Every entry on the stream, oldest first (for audits and tests; not the hot path)."""
        return [_entry(i, f) for i, f in self.redis.xrange(self.stream)]

    def pending(self) -> int:
        """Entries read by some consumer and not yet acked."""
        return int(self.redis.xpending(self.stream, self.group)["pending"])

    def position(self, technician_id: int) -> tuple[float, float] | None:
        """The live (lat, lon) of a technician from the GEO set, if known."""
        found = self.redis.geopos(POSITIONS_KEY, str(technician_id))
        if not found or found[0] is None:
            return None
        lon, lat = found[0]
        return (lat, lon)


def _entry(stream_id: str, fields: dict[str, str]) -> Entry:
    return Entry(stream_id, json.loads(fields["event"]))
