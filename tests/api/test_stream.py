"""GET /stream against a real uvicorn server: live plan updates, resuming with Last-Event-ID,
a technician's narrowed feed, and streams that end on disconnect and on shutdown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.routes import stream
from dispatcher.auth.models import Role
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from tests.accounts import bearer
from tests.api.streams import API, Live, events_of, open_stream, served, stored, wait_for
from tests.builders import north, tech_json, ticket_json


@pytest.fixture
def live(database_url: str, clock: ManualClock) -> Iterator[Live]:
    settings = Settings(database_url=database_url, solve_budget_ms=200, debounce_ms=0)
    with served(Engine(settings, clock=clock)) as running:
        yield running


def test_a_client_receives_a_plan_update_after_a_ticket_is_posted(live: Live) -> None:
    live.post("/technicians", tech_json())
    with open_stream(live) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        ticket = live.post("/tickets", ticket_json())
        seen: list[str] = []
        got = events_of(response, lambda e: seen.append(e["type"]) is None
                        and e["type"] == "plan.updated" and "ticket.created" in seen)
    created = next(e for e in got if e["type"] == "ticket.created")
    assert created["payload"] == {"ticket_id": ticket["id"], "region": "default",
                                  "site_id": None, "building": "3号楼", "unit": "1202"}
    assert got[-1]["id"] > created["id"] and got[-1]["payload"]["version"] >= 1
    assert [e["id"] for e in got] == sorted(e["id"] for e in got)


@pytest.mark.parametrize("how", ["header", "query"])
def test_resuming_with_last_event_id_replays_exactly_what_was_missed(live: Live,
                                                                     how: str) -> None:
    li = live.post("/technicians", tech_json())
    for km in (1, 2, 3):
        live.post(f"/technicians/{li['id']}/position", dict(zip(("lat", "lon"), north(km),
                                                                strict=True)))
    live.post("/tickets", ticket_json())
    live.post("/plan/replan", {})
    ids = stored(live)
    seen = ids[1]  # the client saw two events, then lost its connection
    params = ({"headers": {"Last-Event-ID": str(seen)}} if how == "header"
              else {"last_event_id": seen})
    with open_stream(live, **params) as response:
        got = events_of(response, lambda e: e["id"] >= ids[-1])
    assert [e["id"] for e in got] == [i for i in ids if i > seen]
    with live.engine.sessions() as s:
        types = {e.id: e.type for e in s.scalars(select(Event))}
    assert [e["type"] for e in got] == [types[e["id"]] for e in got]


def test_a_technicians_stream_carries_only_what_concerns_him(live: Live) -> None:
    li = live.post("/technicians", tech_json(name="Li"))
    wang = live.post("/technicians", tech_json(name="Wang"))
    for tech in (wang, li, wang):
        live.post(f"/technicians/{tech['id']}/position", dict(zip(("lat", "lon"), north(1),
                                                                  strict=True)))
    live.post("/tickets", ticket_json())
    live.post("/plan/replan", {})
    his = stored(live, li["id"])
    with open_stream(live, technician_id=li["id"], last_event_id=0) as response:
        got = events_of(response, lambda e: e["id"] >= his[-1])
    assert [e["id"] for e in got] == his
    positions = [e for e in got if e["type"] == "technician.position"]
    assert [p["payload"]["technician_id"] for p in positions] == [li["id"]]
    plans = [e for e in got if e["type"] == "plan.updated"]
    assert plans and all(p["payload"]["route"]["technician_id"] == li["id"] for p in plans)


def test_a_technicians_token_narrows_the_stream_to_him(live: Live) -> None:
    """EventSource sends the token as ?access_token=; asking for another technician's feed
    still gives only his own, and without any token the stream is refused."""
    li = live.post("/technicians", tech_json(name="Li"))
    wang = live.post("/technicians", tech_json(name="Wang"))
    for tech in (wang, li, wang):
        live.post(f"/technicians/{tech['id']}/position", dict(zip(("lat", "lon"), north(1),
                                                                  strict=True)))
    token = bearer(live.engine, "li", Role.technician, li["id"])["Authorization"].split()[1]
    his = stored(live, li["id"])
    params = {"access_token": token, "technician_id": wang["id"], "last_event_id": 0}
    with httpx.stream("GET", live.url + API + "/stream", params=params,
                      timeout=httpx.Timeout(10, read=10)) as response:
        got = events_of(response, lambda e: e["id"] >= his[-1])
    assert [e["id"] for e in got] == his
    positions = [e for e in got if e["type"] == "technician.position"]
    assert [p["payload"]["technician_id"] for p in positions] == [li["id"]]
    refused = httpx.get(live.url + API + "/stream", timeout=10)
    assert refused.status_code == 401 and "not logged in" in refused.json()["detail"]


@pytest.mark.parametrize("params, status, field", [
    ({"headers": {"Last-Event-ID": "yesterday"}}, 422, "Last-Event-ID"),
    ({"last_event_id": "-3"}, 422, '"field":"last_event_id"'),
    ({"technician_id": 404}, 404, "404"),
])
def test_bad_stream_requests_are_refused(live: Live, params: dict[str, Any], status: int,
                                         field: str) -> None:
    with open_stream(live, **params) as response:
        response.read()
    assert response.status_code == status and field in response.text


def test_a_stream_ends_when_the_client_leaves_and_when_the_app_stops(live: Live) -> None:
    with open_stream(live) as response:
        next(response.iter_lines())
    assert wait_for(lambda: not live.server.server_state.tasks, 5), "stream outlived its client"
    with open_stream(live) as response:
        lines = response.iter_lines()
        next(lines)
        stream.stop_all(live.app)
        assert [line for line in lines if line] == []  # the server closed the stream


def test_an_idle_stream_gets_heartbeats(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "PING_S", 0.5)
    with open_stream(live) as response:
        lines = response.iter_lines()
        assert next(lines) == "retry: 2000"
        assert ": ping" in [next(lines) for _ in range(3)]
