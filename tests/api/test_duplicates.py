"""Duplicates over HTTP: a report of a fault already reported is proposed with the reason;
merged, it leaves the routes, is completed with the job and asked for its own follow-up; the
storm of twenty reports of one power cut becomes one job."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from tests import builders

POWER_CUT = {"category": "electric", "urgency": "emergency", "site_id": "lvjing",
             "building": "3"}


def _report(client: TestClient, north_km: float = 0.0, **fields: object) -> dict:
    lat, lon = builders.north(north_km)
    r = client.post("/api/v1/tickets", json=builders.ticket_json(
        **{**POWER_CUT, "lat": lat, "lon": lon, **fields}))
    assert r.status_code == 201, r.text
    return r.json()


def _planned(client: TestClient) -> set[int]:
    plan = client.get("/api/v1/plan").json()
    return {s["ticket_id"] for r in plan["routes"] for s in r["stops"]} | {
        u["ticket_id"] for u in plan["unassigned"]}


def test_twenty_reports_of_one_power_cut_become_one_job(
        client: TestClient, app_engine: Engine, clock: ManualClock) -> None:
    """Twenty residents of building 3 report the power cut within 20 minutes, up to 40 m
    apart: the nineteen after the first are proposed as its duplicates; merged in one step,
    the plan holds one job; done, all twenty are completed and each reporter is asked."""
    client.post("/api/v1/technicians", json=builders.tech_json())
    first = _report(client)
    assert first["duplicate_candidate"] is None
    others = []
    for k in range(19):
        clock.advance(timedelta(minutes=1))
        others.append(_report(client, north_km=0.002 * (k % 20), unit=f"{k + 1}01"))
    assert {t["duplicate_candidate"] for t in others} == {first["id"]}
    assert others[-1]["duplicate_reason"].startswith(
        f"same fault as ticket {first['id']}? electric in building 3, ")
    assert others[-1]["duplicate_reason"].endswith("reported 19 min before")
    # One fault, not a recurring one (six in a building within 30 days would be).
    assert client.get("/api/v1/recurring-faults", params={"state": "open"}).json() == []
    app_engine.replan_now()
    assert len(_planned(client)) == 20
    merged = client.post(f"/api/v1/tickets/{first['id']}/merge-proposed")
    assert merged.status_code == 200, merged.text
    assert [t["status"] for t in merged.json()] == ["merged"] * 19
    assert {t["duplicate_of"] for t in merged.json()} == {first["id"]}
    app_engine.replan_now()
    assert _planned(client) == {first["id"]}
    for step in ("accepted", "en_route", "on_site", "completed"):
        r = client.post(f"/api/v1/tickets/{first['id']}/status", json={"status": step})
        assert r.status_code == 200, r.text
    done = [client.get(f"/api/v1/tickets/{t['id']}").json() for t in others]
    assert {t["status"] for t in done} == {"completed"}
    assert all(t["on_site_at"] and t["assignment"]["technician_id"] for t in done)
    assert done[0]["resolution_notes"] == (
        f"done with ticket {first['id']}, which this report was merged into")
    pending = client.get("/api/v1/followups", params={"state": "pending"}).json()
    assert len(pending) == 20


def test_a_report_on_an_asset_with_an_open_ticket_is_proposed(client: TestClient,
                                                              clock: ManualClock) -> None:
    asset = client.post("/api/v1/assets", json={
        "kind": "elevator", "name": "3号楼1号梯", "lat": builders.ORIGIN[0],
        "lon": builders.ORIGIN[1]}).json()
    lift = {"category": "elevator", "asset_id": asset["id"], "building": "3"}
    first = _report(client, **lift)
    clock.advance(timedelta(minutes=7))
    second = _report(client, north_km=1.0, **lift)  # a kilometre off: the asset decides
    assert second["duplicate_candidate"] == first["id"]
    assert second["duplicate_reason"] == f"same asset as ticket {first['id']}, reported 7 min " \
                                         "before"
    zh = client.get(f"/api/v1/tickets/{second['id']}", headers={"Accept-Language": "zh-CN"})
    assert zh.json()["duplicate_reason"] == f"与工单 {first['id']} 同一设备，早 7 分钟报修"


def test_another_category_building_place_or_an_older_report_is_not_proposed(
        client: TestClient, clock: ManualClock) -> None:
    first = _report(client)
    assert _report(client, category="water")["duplicate_candidate"] is None
    assert _report(client, building="4")["duplicate_candidate"] is None
    assert _report(client, north_km=0.2)["duplicate_candidate"] is None  # 200 m > 150 m
    assert _report(client, north_km=0.1)["duplicate_candidate"] == first["id"]
    clock.advance(timedelta(minutes=121))  # beyond DISPATCH_DUPLICATE_WINDOW_MIN
    assert _report(client)["duplicate_candidate"] != first["id"]


def test_merging_is_refused_where_it_makes_no_sense(client: TestClient,
                                                    app_engine: Engine) -> None:
    client.post("/api/v1/technicians", json=builders.tech_json())
    first, second = _report(client), _report(client)
    r = client.post(f"/api/v1/tickets/{first['id']}/merge", json={"into": first["id"]})
    assert r.status_code == 422 and r.json()["field"] == "into"
    r = client.post(f"/api/v1/tickets/{first['id']}/merge", json={"into": 999})
    assert r.status_code == 404
    app_engine.replan_now()
    client.post(f"/api/v1/tickets/{first['id']}/status", json={"status": "accepted"})
    client.post(f"/api/v1/tickets/{first['id']}/status", json={"status": "en_route"})
    r = client.post(f"/api/v1/tickets/{first['id']}/merge", json={"into": second["id"]})
    assert r.status_code == 409 and r.json()["field"] == "status"  # he set off: too late
    merged = client.post(f"/api/v1/tickets/{second['id']}/merge", json={"into": first["id"]})
    assert merged.json()["status"] == "merged"
    third = _report(client)
    r = client.post(f"/api/v1/tickets/{third['id']}/merge", json={"into": second["id"]})
    assert r.status_code == 409 and f"merged into ticket {first['id']}" in r.json()["detail"]


def test_a_dismissed_proposal_is_dropped(client: TestClient) -> None:
    _report(client)
    second = _report(client)
    r = client.post(f"/api/v1/tickets/{second['id']}/not-duplicate")
    assert r.status_code == 200
    assert (r.json()["duplicate_candidate"], r.json()["duplicate_reason"]) == (None, None)
    again = client.post(f"/api/v1/tickets/{second['id']}/not-duplicate")
    assert again.status_code == 409


def test_cancelling_the_job_puts_the_merged_reports_back_on_their_own(
        client: TestClient, app_engine: Engine) -> None:
    client.post("/api/v1/technicians", json=builders.tech_json())
    first, second = _report(client), _report(client)
    client.post(f"/api/v1/tickets/{second['id']}/merge", json={"into": first["id"]})
    assert client.post(f"/api/v1/tickets/{first['id']}/cancel").status_code == 200
    back = client.get(f"/api/v1/tickets/{second['id']}").json()
    assert back["status"] in ("new", "assigned") and back["duplicate_of"] is None
    app_engine.replan_now()
    assert second["id"] in _planned(client)
