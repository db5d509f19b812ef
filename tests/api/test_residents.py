"""The resident's app over HTTP: a unit's signed link (from the office's QR sheet) reports,
follows, rates and reopens its own repairs, sees nothing of another unit's, and is refused
once revoked, tampered with or past its hourly budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dispatcher.auth.models import Role
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.api.test_field import API, SITE, app_engine, ok, png  # noqa: F401 (fixture)
from tests.builders import ORIGIN, tech_json


def _links(client: TestClient, *units: str) -> list[dict]:
    ok(client.put(f"{API}/sites", json=SITE))
    return ok(client.post(f"{API}/unit-links", json={
        "site_id": "sunny", "building": "3号楼", "units": list(units)}), 201)


def _key(link: dict) -> dict[str, str]:
    return {"X-Unit-Key": link["url"].split("#k=")[1]}


def _report(client: TestClient, key: dict, **body: Any) -> Any:
    return client.post(f"{API}/resident/tickets", headers=key,
                       json={"category": "water", "description": "厨房水龙头漏水", **body})


def test_a_home_reports_and_sees_only_its_own(client: TestClient,
                                              app_engine: Engine) -> None:  # noqa: F811
    mine, theirs = _links(client, "1202", "1203")
    assert mine["url"].startswith("http://testserver/r/#k=")
    assert ok(client.get(f"{API}/resident/me", headers=_key(mine)))["unit"] == "1202"
    routine = ok(_report(client, _key(mine)), 201)
    assert (routine["urgency"], routine["progress"]) == ("routine", "received")
    assert routine["resolve_by"] is not None  # the deadline it got, shown at once
    burst = ok(_report(client, _key(mine), urgent=True, description="水管爆裂"), 201)
    assert burst["urgency"] == "emergency" and burst["arrive_by"] is not None
    start = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    booked = ok(_report(client, _key(mine), category="hvac", description="空调不制冷",
                        window={"start": start.isoformat(),
                                "end": (start + timedelta(hours=2)).isoformat()}), 201)
    assert booked["urgency"] == "scheduled" and booked["window"]["start"].startswith("2026-11-26")
    staff_view = ok(client.get(f"{API}/tickets/{routine['id']}"))
    assert (staff_view["site_id"], staff_view["building"], staff_view["unit"]) == (
        "sunny", "3号楼", "1202")

    assert len(ok(client.get(f"{API}/resident/tickets", headers=_key(mine)))) == 3
    assert ok(client.get(f"{API}/resident/tickets", headers=_key(theirs))) == []
    other = client.get(f"{API}/resident/tickets/{routine['id']}", headers=_key(theirs))
    assert other.status_code == 404
    assert client.post(f"{API}/resident/tickets/{routine['id']}/photos", headers=_key(theirs),
                       files={"file": ("a.png", png(), "image/png")}).status_code == 404


def test_photos_are_checked_and_three_at_most(client: TestClient,
                                              app_engine: Engine) -> None:  # noqa: F811
    (link,) = _links(client, "1202")
    tid = ok(_report(client, _key(link)), 201)["id"]
    url = f"{API}/resident/tickets/{tid}/photos"
    for n in range(1, 4):
        got = ok(client.post(url, headers=_key(link),
                             files={"file": ("a.png", png(shade=n), "image/png")}), 201)
        assert got["photos"] == n
    assert client.post(url, headers=_key(link), files={"file": (
        "a.png", png(), "image/png")}).json()["field"] == "file"
    text = client.post(url, headers=_key(link), files={"file": ("a.png", b"hello", "image/png")})
    assert text.status_code in (409, 415)
    photos = ok(client.get(f"{API}/tickets/{tid}/photos"))
    assert [p["tag"] for p in photos] == ["resident"] * 3


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a forged signature
    lambda t: str(int(t.split(".")[0]) + 1) + "." + t.split(".")[1],  # another unit's id
    lambda t: "nonsense",
])
def test_a_tampered_link_is_401(client: TestClient, app_engine: Engine,  # noqa: F811
                                mangle: Any) -> None:
    link, _ = _links(client, "1202", "1203")
    token = _key(link)["X-Unit-Key"]
    r = client.get(f"{API}/resident/tickets", headers={"X-Unit-Key": mangle(token)})
    assert r.status_code == 401 and r.json()["field"] == "X-Unit-Key"


def test_a_revoked_link_is_410_and_the_next_sheet_has_a_new_one(
        client: TestClient, app_engine: Engine) -> None:  # noqa: F811
    (link,) = _links(client, "1202")
    assert _links(client, "1202")[0]["url"] == link["url"]  # printed again: the same code
    ok(client.post(f"{API}/unit-links/{link['id']}/revoke"))
    r = client.get(f"{API}/resident/tickets", headers=_key(link))
    assert r.status_code == 410 and "withdrawn" in r.json()["detail"]
    (fresh,) = _links(client, "1202")
    assert fresh["url"] != link["url"]
    assert client.get(f"{API}/resident/tickets", headers=_key(fresh)).status_code == 200


def test_each_link_has_an_hourly_budget(client: TestClient, app_engine: Engine) -> None:  # noqa: F811
    app_engine.settings = app_engine.settings.model_copy(update={"resident_writes_per_hour": 2})
    mine, theirs = _links(client, "1202", "1203")
    for _ in range(2):
        ok(_report(client, _key(mine)), 201)
    r = _report(client, _key(mine))
    assert r.status_code == 429 and r.json()["field"] == "X-Unit-Key" and r.headers["Retry-After"]
    ok(_report(client, _key(theirs)), 201)  # another home's budget is its own


def test_followed_to_the_end_rated_and_reopened(client: TestClient, app_engine: Engine,  # noqa: F811
                                               clock: ManualClock) -> None:
    (link,) = _links(client, "1202")
    tid = ok(_report(client, _key(link)), 201)["id"]
    li = ok(client.post(f"{API}/technicians",
                        json=tech_json(name="李师傅", skills=["plumber"])), 201)
    ok(client.post(f"{API}/overrides", json={"ticket_id": tid, "technician_id": li["id"],
                                             "reason": "other", "by": "test"}), 201)
    seen = ok(client.get(f"{API}/resident/tickets/{tid}", headers=_key(link)))
    assert (seen["progress"], seen["technician"]) == ("assigned", "李师傅")
    auth = bearer(app_engine, "li", Role.technician, li["id"])
    ok(client.post(f"{API}/tickets/{tid}/check-in", json={"lat": ORIGIN[0], "lon": ORIGIN[1]},
                   headers=auth))
    assert ok(client.get(f"{API}/resident/tickets/{tid}", headers=_key(link)))["progress"] \
        == "on_site"
    early = client.post(f"{API}/resident/tickets/{tid}/followup", headers=_key(link),
                        json={"rating": 5, "fixed": True})
    assert early.status_code == 404  # nothing to rate before the work is done
    ok(client.post(f"{API}/tickets/{tid}/complete", json={"notes": "换阀芯"}, headers=auth))
    done = ok(client.get(f"{API}/resident/tickets/{tid}", headers=_key(link)))
    assert (done["progress"], done["followup"]) == ("done", "pending")
    rated = ok(client.post(f"{API}/resident/tickets/{tid}/followup", headers=_key(link),
                           json={"rating": 5, "fixed": True, "comment": "师傅很专业"}))
    assert (rated["progress"], rated["rating"], rated["followup"]) == ("closed", 5, "answered")
    assert ok(client.get(f"{API}/tickets/{tid}/followup"))["channel"] == "app"

    clock.advance(timedelta(days=3))
    redo = ok(client.post(f"{API}/resident/tickets/{tid}/reopen", headers=_key(link),
                          json={"comment": "又漏了"}), 201)
    assert redo["rework_of"] == tid and redo["progress"] == "received"
    assert ok(client.get(f"{API}/resident/tickets/{tid}", headers=_key(link)))["reworks"] == [
        redo["id"]]
    clock.advance(timedelta(days=5))
    late = client.post(f"{API}/resident/tickets/{tid}/reopen", headers=_key(link))
    assert late.status_code == 409 and "7 days" in late.json()["detail"]


def test_the_office_prints_a_buildings_sheet_and_a_technician_cannot(
        client: TestClient, app_engine: Engine) -> None:  # noqa: F811
    links = _links(client, "1201", "1202", "1203")
    page = client.get(f"{API}/unit-links/sheet", params={"site_id": "sunny",
                                                         "building": "3号楼"})
    assert page.status_code == 200 and page.text.count("<svg") == 3
    assert "阳光花园 3号楼 报修二维码" in page.text and 'data-unit="1203"' in page.text
    ok(client.post(f"{API}/unit-links/{links[0]['id']}/revoke"))
    assert client.get(f"{API}/unit-links/sheet", params={
        "site_id": "sunny", "building": "3号楼"}).text.count("<svg") == 2
    li = ok(client.post(f"{API}/technicians", json=tech_json(name="Li")), 201)
    tech = bearer(app_engine, "li", Role.technician, li["id"])
    assert client.get(f"{API}/unit-links", headers=tech).status_code == 403
    bad = client.post(f"{API}/unit-links", json={"site_id": "nowhere", "building": "1",
                                                 "units": ["1"]})
    assert bad.status_code == 422 and bad.json()["field"] == "site_id"


def test_a_complaint_is_acknowledged_explained_and_closed_on_its_topics_clock(
        client: TestClient, app_engine: Engine, clock: ManualClock) -> None:  # noqa: F811
    (link,) = _links(client, "1202")
    made = ok(client.post(f"{API}/resident/complaints", headers=_key(link), json={
        "topic": "sanitation", "text": "楼道垃圾两天没清"}), 201)
    at = datetime.fromisoformat(made["made_at"])
    assert datetime.fromisoformat(made["acknowledge_by"]) - at == timedelta(minutes=30)
    assert datetime.fromisoformat(made["explain_by"]) - at == timedelta(minutes=30)
    assert datetime.fromisoformat(made["close_by"]) - at == timedelta(hours=4)
    noise = ok(client.post(f"{API}/resident/complaints", headers=_key(link), json={
        "topic": "noise", "text": "楼上装修超时"}), 201)
    assert datetime.fromisoformat(noise["explain_by"]) - datetime.fromisoformat(
        noise["made_at"]) == timedelta(hours=1)
    bad = client.post(f"{API}/resident/complaints", headers=_key(link),
                      json={"topic": "weather", "text": "x"})
    assert bad.status_code == 422 and "topic" in bad.text

    clock.advance(timedelta(minutes=31))
    (queued,) = [c for c in ok(client.get(f"{API}/complaints", params={"state": "open"}))
                 if c["id"] == made["id"]]
    assert queued["overdue"] == ["acknowledge", "explain"]
    cid = made["id"]
    ok(client.post(f"{API}/complaints/{cid}/acknowledge", json={"by": "前台小王"}))
    early = client.post(f"{API}/complaints/{cid}/close", json={"text": "已处理"})
    assert early.status_code == 409 and early.json()["field"] == "state"
    assert client.post(f"{API}/complaints/{cid}/explain", json={}).json()["field"] == "text"
    ok(client.post(f"{API}/complaints/{cid}/explain", json={"text": "保洁主管已到场，今天清运"}))
    ok(client.post(f"{API}/complaints/{cid}/close", json={"text": "已清运并加派班次"}))
    again = client.post(f"{API}/complaints/{cid}/acknowledge")
    assert again.status_code == 409
    seen = {c["id"]: c for c in ok(client.get(f"{API}/resident/complaints", headers=_key(link)))}
    assert (seen[cid]["state"], seen[cid]["explanation"], seen[cid]["outcome"]) == (
        "closed", "保洁主管已到场，今天清运", "已清运并加派班次")
    assert seen[cid]["handled_by"] == "dispatcher" and seen[cid]["overdue"] == []
    li = ok(client.post(f"{API}/technicians", json=tech_json(name="Li")), 201)
    tech = bearer(app_engine, "li", Role.technician, li["id"])
    assert client.get(f"{API}/complaints", headers=tech).status_code == 403
