"""Inspection rounds over HTTP: a plan's checklist, answered on site by the technician; a
reading out of range or an abnormal check opens a linked repair ticket with the photo; the
round must be answered before the technician completes it; the KPI counts the faults found."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dispatcher.auth.models import Role
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.api.test_field import API, SITE, app_engine, ok, png  # noqa: F401 (fixture)
from tests.builders import ORIGIN, tech_json


def _round(client: TestClient, engine: Engine, clock: ManualClock,
           **plan: Any) -> tuple[dict, dict, dict]:
    """A pump room's weekly plan falling due now, its ticket pinned to Li:
    (the plan, the inspection ticket, Li's auth header)."""
    ok(client.put(f"{API}/sites", json=SITE))
    asset = ok(client.post(f"{API}/assets", json={
        "kind": "pump_room", "name": "2号泵房", "site_id": "sunny", "lat": ORIGIN[0],
        "lon": ORIGIN[1]}), 201)
    made = ok(client.post(f"{API}/maintenance/plans", json={
        "asset_id": asset["id"], "first_due": (clock.now() + timedelta(hours=2)).isoformat(),
        **plan}), 201)
    engine.tick()
    (ticket,) = [t for t in ok(client.get(f"{API}/tickets"))
                 if t.get("maintenance_plan_id") == made["id"] or t["asset_id"] == asset["id"]]
    li = ok(client.post(f"{API}/technicians", json=tech_json(
        name="Li", skills=["plumber", "general"])), 201)
    ok(client.post(f"{API}/overrides", json={"ticket_id": ticket["id"], "technician_id": li["id"],
                                             "reason": "other", "by": "test"}), 201)
    return made, ticket, bearer(engine, "li", Role.technician, li["id"])


def _answer(client: TestClient, ticket_id: int, auth: dict, photo: bytes | None = None,
            **fields: Any) -> Any:
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    files = {"file": ("p.png", photo, "image/png")} if photo is not None else None
    return client.post(f"{API}/tickets/{ticket_id}/inspection", data=data, files=files,
                       headers=auth)


def test_a_round_answered_on_site_opens_repairs_for_what_it_finds(
        client: TestClient, app_engine: Engine, clock: ManualClock) -> None:  # noqa: F811
    plan, ticket, li = _round(client, app_engine, clock)
    tid = ticket["id"]
    assert [i["key"] for i in plan["checklist"]] == [
        "outlet_pressure", "pump_noise", "no_leaks", "control_panel"]  # the kind's default
    round_ = ok(client.get(f"{API}/tickets/{tid}/inspection", headers=li))
    assert round_["missing"] == [i["key"] for i in plan["checklist"]] and round_["faults"] == []

    early = _answer(client, tid, li, key="pump_noise", ok=True)
    assert early.status_code == 409 and early.json()["field"] == "status"
    ok(client.post(f"{API}/tickets/{tid}/check-in", json={"lat": ORIGIN[0], "lon": ORIGIN[1]},
                   headers=li))

    high = ok(_answer(client, tid, li, key="outlet_pressure", value=0.82))
    (repair_id,) = high["faults"]
    item = high["items"][0]
    assert item["answer"]["abnormal"] is True and item["answer"]["raised_ticket_id"] == repair_id
    repair = ok(client.get(f"{API}/tickets/{repair_id}"))
    assert repair["urgency"] == "routine" and repair["asset_id"] == ticket["asset_id"]
    assert repair["follow_up_of"] == tid and repair["status"] in ("new", "assigned")
    assert "0.82 MPa" in repair["description"] and "0.25–0.6 MPa" in repair["description"]
    zh = ok(client.get(f"{API}/tickets/{repair_id}", headers={"Accept-Language": "zh-CN"}))
    assert zh["description"] == (f"巡检 #{tid} 发现：供水出口压力：读数 0.82 MPa，"
                                 "超出正常范围 0.25–0.6 MPa")

    normal = ok(_answer(client, tid, li, key="pump_noise", ok=True))
    assert normal["faults"] == [repair_id]  # a normal answer raises nothing
    no_photo = _answer(client, tid, li, key="no_leaks", ok=False)
    assert no_photo.status_code == 422 and no_photo.json()["field"] == "file"
    leak = ok(_answer(client, tid, li, photo=png(), key="no_leaks", ok=False,
                      note="阀门滴水 valve drips"))
    second = next(f for f in leak["faults"] if f != repair_id)
    assert leak["items"][2]["answer"]["photo_id"] is not None
    photos = ok(client.get(f"{API}/tickets/{second}/photos"))
    assert [p["tag"] for p in photos] == ["inspection"]  # the evidence travels with the repair
    assert ok(client.get(f"{API}/tickets/{second}"))["description"].endswith(
        "Note: 阀门滴水 valve drips")

    early_done = client.post(f"{API}/tickets/{tid}/complete", json={"notes": ""}, headers=li)
    assert early_done.status_code == 409 and early_done.json()["field"] == "checklist"
    assert "control_panel" in early_done.json()["detail"]
    ok(_answer(client, tid, li, key="control_panel", ok=True))
    ok(client.post(f"{API}/tickets/{tid}/complete", json={"notes": "巡检完成"}, headers=li))
    kpis = ok(client.get(f"{API}/kpis"))
    assert kpis["total"]["inspection_faults"] == 2


def test_a_misread_gauge_answered_again_keeps_its_repair(
        client: TestClient, app_engine: Engine, clock: ManualClock) -> None:  # noqa: F811
    _, ticket, li = _round(client, app_engine, clock)
    tid = ticket["id"]
    ok(client.post(f"{API}/tickets/{tid}/check-in", json={"lat": ORIGIN[0], "lon": ORIGIN[1]},
                   headers=li))
    (repair,) = ok(_answer(client, tid, li, key="outlet_pressure", value=0.1))["faults"]
    again = ok(_answer(client, tid, li, key="outlet_pressure", value=0.4))
    assert again["items"][0]["answer"]["abnormal"] is False and again["faults"] == [repair]
    assert again["items"][0]["answer"]["value"] == 0.4


@pytest.mark.parametrize(("fields", "field"), [
    ({"key": "nope", "ok": True}, "key"),
    ({"key": "pump_noise", "value": 3}, "ok"),           # a check takes ok, not a value
    ({"key": "pump_noise"}, "ok"),
    ({"key": "outlet_pressure", "ok": True}, "value"),   # a reading takes a value
    ({"key": "outlet_pressure", "value": "abc"}, "value"),
    ({"key": "outlet_pressure", "value": "nan"}, "value"),
    ({"key": "outlet_pressure", "value": 0.3, "at": "2026-11-25T09:00:00"}, "at"),
])
def test_a_bad_answer_names_its_field(client: TestClient, app_engine: Engine,  # noqa: F811
                                      clock: ManualClock, fields: dict, field: str) -> None:
    _, ticket, li = _round(client, app_engine, clock)
    ok(client.post(f"{API}/tickets/{ticket['id']}/check-in",
                   json={"lat": ORIGIN[0], "lon": ORIGIN[1]}, headers=li))
    r = _answer(client, ticket["id"], li, **fields)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field or field in r.json()["detail"]


def test_another_technician_cannot_answer(client: TestClient, app_engine: Engine,  # noqa: F811
                                          clock: ManualClock) -> None:
    _, ticket, li = _round(client, app_engine, clock)
    wu = ok(client.post(f"{API}/technicians", json=tech_json(name="Wu")), 201)
    other = bearer(app_engine, "wu", Role.technician, wu["id"])
    assert client.get(f"{API}/tickets/{ticket['id']}/inspection", headers=other).status_code \
        == 403
    assert _answer(client, ticket["id"], other, key="pump_noise", ok=True).status_code == 403


def test_a_plan_carries_its_own_checklist_and_a_bad_one_is_refused(
        client: TestClient, app_engine: Engine, clock: ManualClock) -> None:  # noqa: F811
    items = [{"key": "temp", "label": "机房温度", "kind": "reading", "unit": "°C", "max": 35},
             {"key": "clean", "label": "机房整洁", "photo": True}]
    plan, _, _ = _round(client, app_engine, clock, checklist=items)
    assert [(i["key"], i["kind"], i["max"], i["photo"]) for i in plan["checklist"]] == [
        ("temp", "reading", 35.0, False), ("clean", "check", None, True)]
    url = f"{API}/maintenance/plans/{plan['id']}"
    for bad in ([{"key": "a", "label": "x", "kind": "reading"}],             # no range
                [{"key": "a", "label": "x", "kind": "reading", "min": 2, "max": 1}],
                [{"key": "a", "label": "x", "unit": "V"}],                    # a check's unit
                [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}],     # key twice
                [{"key": "A B", "label": "x"}]):
        r = client.patch(url, json={"checklist": bad})
        assert r.status_code == 422 and "checklist" in r.text, (bad, r.text)
    emptied = ok(client.patch(url, json={"checklist": []}))
    assert emptied["checklist"] == []
