"""The planner process's ears: the events stored after a cursor, of the kinds it plans on,
each handed on once, including one that commits after a higher id (PostgreSQL may)."""

from __future__ import annotations

from typing import Any

from dispatcher.db import unit_of_work
from dispatcher.engine import Engine
from dispatcher.events import service as events
from dispatcher.events.models import Event
from dispatcher.planning.process import EventFollower


def record(engine: Engine, type: str, **payload: Any) -> int:
    with unit_of_work(engine.sessions) as s:
        return events.record(s, type=type, payload=payload, at=engine.clock.now()).id


def test_only_new_events_of_the_kinds_asked_each_once(engine: Engine) -> None:
    record(engine, "ticket.created", ticket_id=1)
    heard: list[dict[str, Any]] = []
    follower = EventFollower(engine.sessions, heard.extend, kinds=("ticket.",))
    follower.start_at_end()
    wanted = [record(engine, "ticket.created", ticket_id=2)]
    record(engine, "technician.position", technician_id=1)
    wanted.append(record(engine, "ticket.accepted", ticket_id=2))
    assert follower.poll() == 2 and follower.poll() == 0
    assert [e["id"] for e in heard] == wanted


def test_an_event_committed_after_a_higher_id_is_not_skipped(engine: Engine) -> None:
    heard: list[dict[str, Any]] = []
    follower = EventFollower(engine.sessions, heard.extend)
    follower.start_at_end()
    first = record(engine, "ticket.created", ticket_id=1)
    late = record(engine, "ticket.created", ticket_id=2)
    last = record(engine, "ticket.created", ticket_id=3)
    with unit_of_work(engine.sessions) as s:  # as if `late` had not committed yet
        s.delete(s.get(Event, late))
    follower.poll()
    with unit_of_work(engine.sessions) as s:  # ... and now it has, under its lower id
        s.add(Event(id=late, type="ticket.created", payload={"ticket_id": 2},
                    at=engine.clock.now()))
    follower.poll()
    assert [e["id"] for e in heard] == [first, last, late]
