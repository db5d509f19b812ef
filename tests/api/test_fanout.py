"""The broadcaster on its own, fed by a tail the test controls: a connection that falls behind
is closed while the others keep up, narrowing runs once per technician (not per connection),
and closing from another thread ends every listener."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from api.fanout import Broadcaster, Listener
from dispatcher.events import feed


class FakeTail:
    """A tail the test feeds: `read` hands back the next batch `put` queued, waiting up to
    20 ms; an undecoded read only moves past it. `decodes` records each read's kind."""

    def __init__(self) -> None:
        self._batches: list[list[dict[str, Any]]] = []
        self._next = 0
        self._added = threading.Condition()
        self.decodes: list[bool] = []
        self.in_idle_read = threading.Event()
        self.finish_idle_read = threading.Event()
        self.finish_idle_read.set()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def put(self, *events: dict[str, Any]) -> None:
        with self._added:
            self._batches.append(list(events))
            self._added.notify_all()

    def read(self, *, decode: bool = True) -> list[dict[str, Any]]:
        with self._added:
            if self._next >= len(self._batches):
                self._added.wait(0.02)
            if self._next >= len(self._batches):
                return []
            batch = self._batches[self._next]
            self._next += 1
        self.decodes.append(decode)
        if not decode:
            self.in_idle_read.set()
            self.finish_idle_read.wait(2)
            return []
        return batch

    def mark(self) -> object:
        return self._next

    def rewind(self, mark: object) -> None:
        self._next = mark  # type: ignore[assignment]


def position(event_id: int, technician_id: int) -> dict[str, Any]:
    return {"id": event_id, "type": "technician.position", "at": "2026-11-25T01:00:00+00:00",
            "payload": {"technician_id": technician_id, "lat": 31.2, "lon": 121.5}}


async def ids(listener: Listener, timeout: float = 1.0) -> list[int] | None:
    messages = await listener.next(timeout)
    return None if messages is None else [m.event_id for m in messages]


def test_a_connection_that_falls_behind_is_closed_and_the_others_keep_up() -> None:
    """Queues hold 5 messages: the reader that never reads is closed at the 6th event; the
    one that reads gets all 10, in order."""

    async def scenario() -> None:
        tail = FakeTail()
        hub = Broadcaster(tail, lambda events: feed.NO_FACTS, queue_max=5)
        await hub.start()
        slow, quick = hub.listen(), hub.listen()
        got: list[int] = []
        for i in range(1, 11):
            tail.put(position(i, 1))
            got += await ids(quick) or []
        assert got == list(range(1, 11))
        assert slow.dropped and await ids(slow) is None
        assert not quick.closed and hub.connected() == 1
        await hub.stop()
        assert quick.closed

    asyncio.run(scenario())


def test_narrowing_runs_once_per_technician_not_per_connection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Li on three phones, Wang on two, two consoles; one fix of Li's: two narrowings, one
    message object shared by Li's phones, nothing for Wang, the fix for both consoles."""
    calls: list[int] = []
    narrow = feed.narrow
    monkeypatch.setattr(feed, "narrow", lambda e, **kw: calls.append(kw["technician_id"])
                        or narrow(e, **kw))

    async def scenario() -> None:
        tail = FakeTail()
        hub = Broadcaster(tail, lambda events: feed.NO_FACTS)
        await hub.start()
        lis = [hub.listen(1, "default") for _ in range(3)]
        wangs = [hub.listen(2, "default") for _ in range(2)]
        consoles = [hub.listen() for _ in range(2)]
        tail.put(position(7, 1))
        his = [await x.next(1.0) for x in lis]
        assert [await ids(x) for x in consoles] == [[7], [7]]
        assert [await ids(x, 0.1) for x in wangs] == [[], []]
        assert [m[0].event_id for m in his] == [7, 7, 7] and his[0][0] is his[2][0]
        await hub.stop()

    asyncio.run(scenario())
    assert sorted(calls) == [1, 2]


def test_closing_from_another_thread_ends_every_listener_and_refuses_new_ones() -> None:
    """Shutdown may come from any thread (uvicorn's, a test's): waiting listeners wake and end."""

    async def scenario() -> None:
        hub = Broadcaster(FakeTail(), lambda events: feed.NO_FACTS)
        await hub.start()
        waiting = [hub.listen(), hub.listen(3, "east")]
        threading.Thread(target=hub.close_all).start()
        assert [await ids(x, 5.0) for x in waiting] == [None, None]
        assert hub.listen().closed
        await hub.stop()

    asyncio.run(scenario())


def test_with_nobody_listening_events_are_skipped_undecoded_and_a_newcomer_misses_none() -> None:
    """Two fixes come while no connection is open: read without decoding. A console connects
    while the third is being skipped: the reader goes back and hands it over."""

    async def scenario() -> None:
        tail = FakeTail()
        hub = Broadcaster(tail, lambda events: feed.NO_FACTS)
        await hub.start()
        tail.put(position(1, 1))
        tail.put(position(2, 1))
        while len(tail.decodes) < 2:
            await asyncio.sleep(0.005)
        assert tail.decodes == [False, False]
        tail.finish_idle_read.clear()
        tail.in_idle_read.clear()
        tail.put(position(3, 1))
        await asyncio.to_thread(tail.in_idle_read.wait, 2)
        console = hub.listen()  # opened while event 3 is being skipped
        tail.finish_idle_read.set()
        assert await ids(console) == [3]
        assert tail.decodes == [False, False, False, True]
        await hub.stop()

    asyncio.run(scenario())
