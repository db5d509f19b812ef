"""GPS ingest below HTTP: fixes kept live at once, written in batches of one transaction each,
newest wins, nothing lost at stop, and at most one re-plan request per region and batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.enums import Status
from dispatcher.events.models import Event
from dispatcher.gps.rule import ReplanRule
from dispatcher.gps.store import LiveFix
from dispatcher.technicians.models import Technician
from dispatcher.technicians.schemas import PositionUpdate
from dispatcher.tickets.schemas import StatusChange
from tests import aio
from tests.builders import ORIGIN, north, tech, ticket

FAR_KM = 1.0  # further than DISPATCH_GPS_REPLAN_DISTANCE_M (300 m) from where he was


@pytest.fixture
def gps_engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    """An engine whose writer never runs on its own: each test says when a batch is written."""
    settings = Settings(database_url=database_url, solve_budget_ms=200, debounce_ms=0,
                        gps_flush_ms=60_000)
    eng = Engine(settings, clock=clock)
    yield eng
    eng.stop()
    eng.sessions.kw["bind"].dispose()


def accept(engine: Engine, technician_id: int, where: tuple[float, float],
           at: datetime | None = None) -> Any:
    """What the HTTP route does with a fix (it runs on the event loop)."""
    fix = PositionUpdate(lat=where[0], lon=where[1], at=at)
    return aio.run(engine.gps.accept(technician_id, fix))


def commits(engine: Engine) -> list[int]:
    """A list that grows by one at each commit of the engine's sessions."""
    seen: list[int] = []
    event.listen(engine.sessions, "after_commit", lambda _: seen.append(1))
    return seen


def stored_events(engine: Engine, kind: str) -> list[Event]:
    with engine.sessions() as s:
        return list(s.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def stored_position(engine: Engine, technician_id: int) -> tuple[float | None, datetime | None]:
    with engine.sessions() as s:
        row = s.get(Technician, technician_id)
        return row.lat, row.position_at


def test_a_batch_of_fixes_is_one_transaction(gps_engine: Engine, clock: ManualClock) -> None:
    """30 fixes of 3 technicians: one commit holds their 30 event rows and 3 new positions."""
    techs = [gps_engine.create_technician(tech(f"T{i}", at=north(i))).id for i in range(3)]
    for n in range(30):
        clock.advance(timedelta(seconds=1))
        accept(gps_engine, techs[n % 3], north(n % 3, east_km=n / 100))
    seen = commits(gps_engine)
    assert gps_engine.gps.flush()
    assert len(seen) == 1
    rows = stored_events(gps_engine, "technician.position")
    assert len(rows) == 30 and all(r.payload["applied"] for r in rows)
    assert [r.payload["technician_id"] for r in rows] == [techs[n % 3] for n in range(30)]
    assert [stored_position(gps_engine, t)[1] for t in techs] == [
        clock.now() - timedelta(seconds=2 - i) for i in range(3)]


def test_an_older_fix_never_overwrites_a_newer_one(gps_engine: Engine,
                                                   clock: ManualClock) -> None:
    """Out of order in one batch and across batches: the newest stays, live and stored; the
    late fix is on the track, flagged not applied."""
    wang = gps_engine.create_technician(tech()).id
    now = clock.now()
    assert accept(gps_engine, wang, north(2), at=now).applied
    assert not accept(gps_engine, wang, north(1), at=now - timedelta(minutes=1)).applied
    gps_engine.gps.flush()
    accept(gps_engine, wang, north(3), at=now - timedelta(minutes=2))
    gps_engine.gps.flush()
    assert stored_position(gps_engine, wang) == (north(2)[0], now)
    assert gps_engine.get_technician(wang).position.lat == north(2)[0]
    assert [r.payload["applied"] for r in stored_events(gps_engine, "technician.position")] == [
        True, False, False]


def test_the_live_position_shows_before_the_batch_is_written(gps_engine: Engine) -> None:
    wang = gps_engine.create_technician(tech()).id
    accept(gps_engine, wang, north(1))
    assert stored_position(gps_engine, wang) == (None, None)
    read = gps_engine.get_technician(wang)
    assert read.position.lat == north(1)[0] and read.position_at is not None
    assert [t.position.lat for t in gps_engine.list_technicians()] == [north(1)[0]]


def test_stop_writes_every_buffered_fix(gps_engine: Engine, clock: ManualClock) -> None:
    """A clean shutdown loses nothing accepted, though no batch was due yet."""
    gps_engine.start()
    wang = gps_engine.create_technician(tech()).id
    for km in range(50):
        clock.advance(timedelta(seconds=1))
        accept(gps_engine, wang, north(km / 100))
    assert gps_engine.gps.writer.pending() == 50
    gps_engine.stop()
    assert len(stored_events(gps_engine, "technician.position")) == 50
    assert stored_position(gps_engine, wang)[0] == north(0.49)[0]


def test_a_failed_write_keeps_the_batch_for_the_next(gps_engine: Engine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    wang = gps_engine.create_technician(tech()).id
    accept(gps_engine, wang, north(1))
    real = gps_engine.gps.writer._write
    monkeypatch.setattr(gps_engine.gps.writer, "_write", lambda batch: 1 / 0)
    assert not gps_engine.gps.flush()
    assert gps_engine.gps.writer.pending() == 1
    monkeypatch.setattr(gps_engine.gps.writer, "_write", real)
    assert gps_engine.gps.flush()
    assert len(stored_events(gps_engine, "technician.position")) == 1


def test_a_batch_asks_for_one_replan_and_only_when_a_fix_matters(gps_engine: Engine,
                                                                   clock: ManualClock) -> None:
    """First fixes ask (one request for the three); fixes near where they were do not; a
    technician a kilometre away asks again."""
    techs = [gps_engine.create_technician(tech(f"T{i}")).id for i in range(3)]
    before = gps_engine.replanner.requests
    for t in techs:
        for _ in range(5):
            clock.advance(timedelta(seconds=1))
            accept(gps_engine, t, ORIGIN)
    gps_engine.gps.flush()
    assert gps_engine.replanner.requests == before + 1
    asked = stored_events(gps_engine, "gps.moved")
    assert [a.payload for a in asked] == [{"region": "default", "technicians": [
        {"technician_id": t, "reason": "first fix"} for t in techs]}]
    for km in (0.05, 0.1, 0.2):
        clock.advance(timedelta(seconds=30))
        accept(gps_engine, techs[0], north(km))
    gps_engine.gps.flush()
    assert gps_engine.replanner.requests == before + 1
    clock.advance(timedelta(seconds=30))
    accept(gps_engine, techs[1], north(FAR_KM))
    gps_engine.gps.flush()
    assert gps_engine.replanner.requests == before + 2
    assert stored_events(gps_engine, "gps.moved")[-1].payload["technicians"] == [
        {"technician_id": techs[1], "reason": "moved"}]


def test_a_batch_asks_once_per_region(gps_engine: Engine) -> None:
    east = gps_engine.create_technician(tech("E", region="east")).id
    west = gps_engine.create_technician(tech("W", region="west")).id
    for t in (east, west, east):
        accept(gps_engine, t, ORIGIN)
    gps_engine.gps.flush()
    assert sorted(a.payload["region"] for a in stored_events(gps_engine, "gps.moved")) == [
        "east", "west"]


def test_a_fix_alone_does_not_replan_but_its_request_does(gps_engine: Engine) -> None:
    """The re-planner hears `gps.moved`, not each `technician.position`."""
    wang = gps_engine.create_technician(tech()).id
    before = gps_engine.replanner.requests
    gps_engine.bus.publish({"id": 0, "type": "technician.position", "at": "",
                            "payload": {"technician_id": wang, "region": "default"}})
    assert gps_engine.replanner.requests == before
    gps_engine.bus.publish({"id": 0, "type": "gps.moved", "at": "",
                            "payload": {"region": "default", "technicians": []}})
    assert gps_engine.replanner.requests == before + 1


def test_a_direct_engine_fix_is_stored_at_once_and_asks_by_the_same_rule(
        gps_engine: Engine, clock: ManualClock) -> None:
    """In-process callers (the simulator, scripts) get the fix stored before the answer."""
    wang = gps_engine.create_technician(tech()).id
    read = gps_engine.update_position(wang, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    assert read.position.lat == ORIGIN[0] and stored_position(gps_engine, wang)[0] == ORIGIN[0]
    clock.advance(timedelta(seconds=30))
    gps_engine.update_position(wang, PositionUpdate(lat=north(0.1)[0], lon=ORIGIN[1]))
    clock.advance(timedelta(seconds=30))
    gps_engine.update_position(wang, PositionUpdate(lat=north(FAR_KM)[0], lon=ORIGIN[1]))
    reasons = [a.payload["technicians"][0]["reason"]
               for a in stored_events(gps_engine, "gps.moved")]
    assert reasons == ["first fix", "moved"]
    assert len(stored_events(gps_engine, "technician.position")) == 3


def test_a_driver_is_retimed_and_a_technician_on_site_never_asks(gps_engine: Engine,
                                                                  clock: ManualClock) -> None:
    wang = gps_engine.create_technician(tech()).id
    gps_engine.update_position(wang, PositionUpdate(lat=ORIGIN[0], lon=ORIGIN[1]))
    job = gps_engine.create_ticket(ticket(at=north(2)))
    gps_engine.replan_now()
    for status in (Status.accepted, Status.en_route):
        gps_engine.report_status(job.id, StatusChange(status=status))
    asked = len(stored_events(gps_engine, "gps.moved"))
    clock.advance(timedelta(seconds=61))
    accept(gps_engine, wang, north(0.05))
    gps_engine.gps.flush()
    assert stored_events(gps_engine, "gps.moved")[-1].payload["technicians"] == [
        {"technician_id": wang, "reason": "driving"}]
    gps_engine.report_status(job.id, StatusChange(status=Status.on_site))
    clock.advance(timedelta(minutes=5))
    accept(gps_engine, wang, north(FAR_KM + 1))
    gps_engine.gps.flush()
    assert len(stored_events(gps_engine, "gps.moved")) == asked + 1


@pytest.mark.parametrize("anchor, hand, reason", [
    (None, None, "first fix"),
    ((0.0, 0), None, None),
    ((0.0, 0), Status.on_site, None),
    ((0.5, 0), None, "moved"),
    ((0.5, 0), Status.on_site, None),
    ((0.0, 30), Status.en_route, None),
    ((0.0, 60), Status.en_route, "driving"),
])
def test_the_replan_rule(anchor: tuple[float, int] | None, hand: Status | None,
                         reason: str | None) -> None:
    """(km from the fix, seconds before it) of his anchor, his ticket in hand: the reason."""
    at = datetime(2026, 11, 25, 1, 0).astimezone()
    fix = LiveFix(1, *ORIGIN, at)
    kept = None if anchor is None else LiveFix(1, *north(anchor[0]),
                                               at - timedelta(seconds=anchor[1]))
    assert ReplanRule(distance_m=300, retime_s=60).reason(fix, kept, hand) == reason
