"""One completion path (issue 15): however a job ends — the app's verbs, the status endpoint,
the console acting for a technician — the ticket gets exactly one resident follow-up, closes
when it is answered or expires, and "needs another visit" makes exactly one linked rework
ticket that the KPIs count as such. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from dispatcher.followups.models import FollowUp
from dispatcher.tickets.models import Ticket
from tests.accounts import bearer
from tests.api.test_field import his_ticket, ok
from tests.builders import ORIGIN

API = "/api/v1"
Headers = dict[str, str]
Finish = Callable[[TestClient, int, Headers, bool], None]
HERE = {"lat": ORIGIN[0], "lon": ORIGIN[1]}


def by_app(client: TestClient, tid: int, tech: Headers, fixed: bool) -> None:
    """The technician's buttons: accept, set off, check in, complete."""
    for step, body in (("accept", None), ("start", None), ("check-in", HERE)):
        ok(client.post(f"{API}/tickets/{tid}/{step}", headers=tech, json=body))
    ok(client.post(f"{API}/tickets/{tid}/complete", headers=tech,
                   json={"notes": "换了开关", "fixed": fixed}))


def by_status(client: TestClient, tid: int, tech: Headers, fixed: bool) -> None:
    """The status endpoint, one status after another (no position sent)."""
    for status in ("accepted", "en_route", "on_site"):
        ok(client.post(f"{API}/tickets/{tid}/status", headers=tech, json={"status": status}))
    ok(client.post(f"{API}/tickets/{tid}/status", headers=tech,
                   json={"status": "completed", "fixed": fixed}))


def by_console(client: TestClient, tid: int, tech: Headers, fixed: bool) -> None:
    """He checks in on his phone, then phones the desk: the dispatcher completes it for him
    from the console (the client's own token is a dispatcher's)."""
    ok(client.post(f"{API}/tickets/{tid}/check-in", headers=tech, json=HERE))
    ok(client.post(f"{API}/tickets/{tid}/complete", json={"notes": "电话报完工",
                                                           "fixed": fixed}))


ENTRY_POINTS = {"app": by_app, "status": by_status, "console": by_console}


def followups_of(engine: Engine, tid: int) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(FollowUp)
                        .where(FollowUp.ticket_id == tid))


def reworks_of(engine: Engine, tid: int) -> list[Ticket]:
    with engine.sessions() as s:
        return list(s.scalars(select(Ticket).where(Ticket.rework_of == tid)))


def kpis(client: TestClient) -> dict[str, float]:
    return ok(client.get(f"{API}/kpis", params={"from": "2026-11-25", "to": "2026-11-25"}))[
        "total"]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_fixed_first_time_gets_one_follow_up_and_closes_when_answered(
        client: TestClient, app_engine: Engine, entry: str) -> None:
    _, ticket, as_li = his_ticket(client, app_engine, category="electric")
    tid = ticket["id"]
    ENTRY_POINTS[entry](client, tid, as_li, True)
    done = ok(client.get(f"{API}/tickets/{tid}"))
    assert (done["status"], done["fixed_first_time"]) == ("completed", True)
    assert ok(client.get(f"{API}/tickets/{tid}/followup"))["state"] == "pending"
    pending = ok(client.get(f"{API}/followups", params={"state": "pending"}))
    assert [f["ticket_id"] for f in pending] == [tid]
    assert followups_of(app_engine, tid) == 1 and reworks_of(app_engine, tid) == []
    ok(client.post(f"{API}/tickets/{tid}/followup", json={"rating": 5, "fixed": True}))
    assert ok(client.get(f"{API}/tickets/{tid}"))["status"] == "closed"
    total = kpis(client)
    assert (total["closed_loop_rate"], total["first_time_fix_rate"], total["rework_tickets"]) \
        == (1.0, 1.0, 0)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_needs_another_visit_is_one_linked_rework_and_the_loop_still_closes(
        client: TestClient, app_engine: Engine, clock: ManualClock, entry: str) -> None:
    """Not fixed: one rework ticket linked both ways; the original is not first-time-fixed on
    the ticket and in the KPIs alike; its follow-up expires by policy and closes it."""
    _, ticket, as_li = his_ticket(client, app_engine, category="electric")
    tid = ticket["id"]
    ENTRY_POINTS[entry](client, tid, as_li, False)
    [redo] = reworks_of(app_engine, tid)
    assert redo.follow_up_of == tid and redo.status.value in ("new", "assigned")
    assert ok(client.get(f"{API}/tickets/{tid}"))["fixed_first_time"] is False
    assert followups_of(app_engine, tid) == 1
    total = kpis(client)
    assert (total["completed"], total["first_time_fix_rate"], total["rework_tickets"]) == (
        1, 0.0, 1)
    clock.advance(timedelta(hours=73))
    app_engine.tick()
    client.headers.update(bearer(app_engine))  # the morning's token has expired
    assert ok(client.get(f"{API}/tickets/{tid}"))["status"] == "closed"
    assert ok(client.get(f"{API}/tickets/{tid}/followup"))["state"] == "expired"
    assert kpis(client)["closed_loop_rate"] == 1.0
    assert len(reworks_of(app_engine, tid)) == 1


def test_not_fixed_twice_still_makes_one_rework(client: TestClient,
                                                app_engine: Engine) -> None:
    """The technician said "another visit", then the resident says "not fixed" too: the
    follow-up names the rework that exists; no second one."""
    _, ticket, as_li = his_ticket(client, app_engine, category="electric")
    tid = ticket["id"]
    by_app(client, tid, as_li, False)
    [redo] = reworks_of(app_engine, tid)
    answer = ok(client.post(f"{API}/tickets/{tid}/followup",
                            json={"rating": 2, "fixed": False, "comment": "还是不亮"}))
    assert answer["rework_ticket_id"] == redo.id
    assert [r.id for r in reworks_of(app_engine, tid)] == [redo.id]


def test_a_status_completion_with_fields_for_another_status_is_refused(
        client: TestClient, app_engine: Engine) -> None:
    _, ticket, as_li = his_ticket(client, app_engine)
    answer = client.post(f"{API}/tickets/{ticket['id']}/status", headers=as_li,
                         json={"status": "accepted", "fixed": False})
    assert answer.status_code == 422 and "fixed" in answer.text
