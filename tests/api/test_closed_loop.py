"""The closed loop over HTTP: follow-up links (public), phone follow-ups, assets, plans,
recurring-fault proposals."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from tests import builders

UNIT = {"site_id": "lvjing", "building": "3", "unit": "1202"}


def _completed(client: TestClient, engine: Engine) -> int:
    client.post("/api/v1/technicians", json=builders.tech_json())
    ticket = client.post("/api/v1/tickets", json=builders.ticket_json(**UNIT)).json()
    engine.replan_now()
    for status in ("accepted", "en_route", "on_site", "completed"):
        r = client.post(f"/api/v1/tickets/{ticket['id']}/status", json={"status": status})
        assert r.status_code == 200, r.text
    return ticket["id"]


def test_the_resident_answers_once_through_the_link(client: TestClient,
                                                    app_engine: Engine) -> None:
    """Link issued by the front desk, opened and answered by the resident; a second answer
    is a 410 saying why; the page itself is served."""
    ticket_id = _completed(client, app_engine)
    link = client.post(f"/api/v1/tickets/{ticket_id}/followup/link").json()
    page = client.get(link["url"])
    assert page.status_code == 200 and "维修回访" in page.text
    seen = client.get(f"/api/v1/followup/{link['token']}").json()
    assert (seen["ticket_id"], seen["unit"], seen["state"]) == (ticket_id, "1202", "pending")
    r = client.post(f"/api/v1/followup/{link['token']}", json={"rating": 4, "fixed": True})
    assert r.status_code == 200 and r.json()["state"] == "answered"
    assert client.get(f"/api/v1/tickets/{ticket_id}").json()["status"] == "closed"
    again = client.post(f"/api/v1/followup/{link['token']}", json={"rating": 1, "fixed": False})
    assert again.status_code == 410 and "already answered" in again.json()["detail"]
    assert client.get(f"/api/v1/followup/{link['token']}").status_code == 410
    assert client.get("/api/v1/followup/not-a-token").status_code == 404


def test_an_expired_link_is_410(client: TestClient, app_engine: Engine,
                                clock: ManualClock) -> None:
    ticket_id = _completed(client, app_engine)
    link = client.post(f"/api/v1/tickets/{ticket_id}/followup/link").json()
    clock.advance(timedelta(hours=72))
    r = client.post(f"/api/v1/followup/{link['token']}", json={"rating": 4, "fixed": True})
    assert r.status_code == 410 and "expired" in r.json()["detail"]


def test_a_bad_rating_names_the_field(client: TestClient, app_engine: Engine) -> None:
    ticket_id = _completed(client, app_engine)
    r = client.post(f"/api/v1/tickets/{ticket_id}/followup", json={"rating": 6, "fixed": True})
    assert r.status_code == 422 and "rating" in r.text


def test_front_desk_list_and_phone_not_fixed_reopens(client: TestClient,
                                                     app_engine: Engine) -> None:
    ticket_id = _completed(client, app_engine)
    pending = client.get("/api/v1/followups", params={"state": "pending"}).json()
    assert [f["ticket_id"] for f in pending] == [ticket_id]
    r = client.post(f"/api/v1/tickets/{ticket_id}/followup",
                    json={"rating": 2, "fixed": False, "comment": "漏水", "by": "Zhou"})
    assert r.status_code == 200, r.text
    rework = client.get(f"/api/v1/tickets/{r.json()['rework_ticket_id']}").json()
    # Open again for a new visit; the running re-planner may already have assigned it.
    assert rework["rework_of"] == ticket_id and rework["status"] in ("new", "assigned")
    assert client.get("/api/v1/followups", params={"state": "pending"}).json() == []


def test_assets_crud(client: TestClient) -> None:
    body = {"kind": "elevator", "name": "3号楼 1号梯", "site_id": "lvjing", "building": "3",
            "lat": builders.ORIGIN[0], "lon": builders.ORIGIN[1]}
    asset = client.post("/api/v1/assets", json=body).json()
    assert client.get(f"/api/v1/assets/{asset['id']}").json()["name"] == "3号楼 1号梯"
    r = client.patch(f"/api/v1/assets/{asset['id']}", json={"name": "1号梯"})
    assert r.json()["name"] == "1号梯"
    assert [a["id"] for a in client.get("/api/v1/assets", params={"kind": "elevator"}).json()] \
        == [asset["id"]]
    assert client.post("/api/v1/assets", json={**body, "kind": "rocket"}).status_code == 422
    ticket = client.post("/api/v1/tickets", json=builders.ticket_json(
        category="elevator", asset_id=asset["id"]))
    assert ticket.status_code == 201 and ticket.json()["asset_id"] == asset["id"]
    missing = client.post("/api/v1/tickets", json=builders.ticket_json(asset_id=999))
    assert missing.status_code == 422 and missing.json()["field"] == "asset_id"
    used = client.delete(f"/api/v1/assets/{asset['id']}")
    assert used.status_code == 409 and "ticket" in used.json()["detail"]
    assert client.get("/api/v1/assets/999").status_code == 404


def test_plans_and_recurring_faults(client: TestClient, clock: ManualClock) -> None:
    asset = client.post("/api/v1/assets", json={
        "kind": "elevator", "name": "1号梯", "lat": builders.ORIGIN[0],
        "lon": builders.ORIGIN[1]}).json()
    plan = client.post("/api/v1/maintenance/plans", json={"asset_id": asset["id"]})
    assert plan.status_code == 201 and plan.json()["cadence_days"] == 15
    plan_id = plan.json()["id"]
    bad = client.patch(f"/api/v1/maintenance/plans/{plan_id}", json={"tolerance_days": 8})
    assert bad.status_code == 422 and bad.json()["field"] == "tolerance_days"
    assert client.get("/api/v1/maintenance/plans", params={"asset_id": asset["id"]}).json()
    assert client.delete(f"/api/v1/maintenance/plans/{plan_id}").status_code == 204
    for _ in range(3):  # 3 h apart: within 2 h they would be one fault's duplicates
        clock.advance(timedelta(hours=3))
        client.post("/api/v1/tickets", json=builders.ticket_json(
            category="elevator", asset_id=asset["id"], building=None, unit=None))
    (proposal,) = client.get("/api/v1/recurring-faults", params={"state": "open"}).json()
    accepted = client.post(f"/api/v1/recurring-faults/{proposal['id']}/accept",
                           json={"by": "Chen"}).json()
    assert accepted["state"] == "accepted" and accepted["root_cause_ticket_id"]
    again = client.post(f"/api/v1/recurring-faults/{proposal['id']}/dismiss")
    assert again.status_code == 409
