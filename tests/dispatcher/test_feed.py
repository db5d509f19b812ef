"""The live feed's reads: everything after a cursor, or only what concerns one technician."""

from __future__ import annotations

from typing import Any

from dispatcher.db import unit_of_work
from dispatcher.engine import Engine
from dispatcher.events import feed
from dispatcher.events import service as events
from tests.builders import tech


def record(engine: Engine, type: str, **payload: Any) -> int:
    with unit_of_work(engine.sessions) as s:
        return events.record(s, type=type, payload=payload, at=engine.clock.now()).id


def test_a_technician_sees_his_positions_tickets_and_region_plans_only(engine: Engine) -> None:
    li = engine.create_technician(tech("Li")).id
    wang = engine.create_technician(tech("Wang")).id
    east = engine.create_technician(tech("Zhao").model_copy(update={"region": "east"})).id
    start = record(engine, "marker")
    mine = [record(engine, "technician.position", technician_id=li),
            record(engine, "ticket.accepted", ticket_id=7, technician_id=li),
            record(engine, "override.move", ticket_id=7, technician_id=li, position=0),
            record(engine, "plan.updated", version=99, trigger="t", region="default")]
    record(engine, "technician.position", technician_id=wang)
    record(engine, "override.pin", ticket_id=9, technician_id=wang)
    record(engine, "ticket.accepted", ticket_id=8, technician_id=wang)
    record(engine, "plan.updated", version=100, trigger="t", region="east")
    last = record(engine, "alert.opened", alert_id=1, technician_id=li)
    with engine.sessions() as s:
        page = feed.after(s, cursor=start, technician_id=li)
        everything = feed.after(s, cursor=start)
        theirs = feed.after(s, cursor=start, technician_id=east)
    assert [e["id"] for e in page.events] == mine and page.cursor == last
    assert page.events[-1]["payload"]["route"] == {"technician_id": li, "stops": []}
    assert len(everything.events) == 9  # the console sees all streamed kinds, no "marker"
    assert [e["payload"].get("version") for e in theirs.events] == [100]


def test_a_page_stops_at_the_limit_and_the_cursor_moves_on(engine: Engine) -> None:
    ids = [record(engine, "ticket.created", ticket_id=i) for i in range(5)]
    with engine.sessions() as s:
        first = feed.after(s, cursor=0, limit=3)
        rest = feed.after(s, cursor=first.cursor, limit=3)
        assert feed.last_id(s) == ids[-1]
    assert [e["id"] for e in first.events + rest.events] == ids
