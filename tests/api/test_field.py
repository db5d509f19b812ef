"""The technician app's ticket flow over HTTP: route, accept, start, check in (near and far),
photos, complete (fixed or a follow-up), resident not home; and replays of each."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dispatcher.auth.models import Role
from dispatcher.engine import Engine
from dispatcher.events.models import Event
from dispatcher.fieldwork.navigation import wgs84_to_gcj02
from dispatcher.photos.models import Photo
from tests.accounts import bearer
from tests.builders import ORIGIN, north, tech_json, ticket_json

API = "/api/v1"
SITE = {"id": "sunny", "name": "阳光花园", "lat": ORIGIN[0], "lon": ORIGIN[1],
        "outline": [[ORIGIN[1] - 0.003, ORIGIN[0] - 0.003], [ORIGIN[1] + 0.003, ORIGIN[0] - 0.003],
                    [ORIGIN[1] + 0.003, ORIGIN[0] + 0.003], [ORIGIN[1] - 0.003, ORIGIN[0] + 0.003]]}


def png(width: int = 4, height: int = 3, shade: int = 200) -> bytes:
    """A real PNG (greyscale), made here so the test needs no image files."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture
def app_engine(engine: Engine, tmp_path: Path) -> Engine:
    """The shared engine with photos in a temporary directory and a small size limit."""
    engine.settings = engine.settings.model_copy(update={
        "photo_dir": tmp_path / "photos", "photo_max_bytes": 4096})
    return engine


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def count(engine: Engine, event_type: str) -> int:
    with engine.sessions() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.type == event_type))


def his_ticket(client: TestClient, engine: Engine, **ticket: Any) -> tuple[dict, dict, dict]:
    """Technician Li, a ticket in the site pinned to him; (li, ticket, Li's auth header)."""
    ok(client.put(f"{API}/sites", json=SITE))
    li = ok(client.post(f"{API}/technicians", json=tech_json(name="Li")), 201)
    body = ticket_json(site_id="sunny", description="漏水 leak", **ticket)
    created = ok(client.post(f"{API}/tickets", json=body), 201)
    ok(client.post(f"{API}/overrides", json={"ticket_id": created["id"],
                                             "technician_id": li["id"], "reason": "other",
                                             "by": "test"}), 201)
    return li, created, bearer(engine, "li", Role.technician, li["id"])


def test_a_technician_works_a_ticket_from_route_to_completion(client: TestClient,
                                                               app_engine: Engine) -> None:
    li, ticket, as_li = his_ticket(client, app_engine, lat=north(0.1)[0])
    tid = ticket["id"]
    route = ok(client.get(f"{API}/me/route", headers=as_li))
    assert route["technician_id"] == li["id"] and route["plan_version"] >= 1
    stop = route["stops"][0]
    assert (stop["ticket_id"], stop["status"], stop["building"], stop["unit"]) == (
        tid, "assigned", "3号楼", "1202")
    assert stop["eta"] and stop["resolve_by"] and stop["predicted_late_minutes"] == 0
    assert [link["provider"] for link in stop["nav"]] == ["amap", "baidu", "geo"]
    assert stop["site_id"] == "sunny" and stop["site_name"] == "阳光花园"
    accepted = ok(client.post(f"{API}/tickets/{tid}/accept", headers=as_li))
    assert accepted["status"] == "accepted" and accepted["accepted_at"]
    assert ok(client.post(f"{API}/tickets/{tid}/start", headers=as_li))["status"] == "en_route"
    here = north(0.101)
    checked = ok(client.post(f"{API}/tickets/{tid}/check-in", headers=as_li,
                             json={"lat": here[0], "lon": here[1], "accuracy_m": 8}))
    assert checked["inside"] is True and checked["warning"] is None
    assert checked["distance_m"] < 20 and checked["ticket"]["status"] == "on_site"
    tech = ok(client.get(f"{API}/technicians/{li['id']}", headers=as_li))
    assert tech["position"] == {"lat": here[0], "lon": here[1]}
    photo = ok(client.post(f"{API}/tickets/{tid}/photos", headers=as_li, data={"tag": "before"},
                           files={"file": ("leak.jpg", png(), "image/jpeg")}), 201)
    assert photo["content_type"] == "image/png" and photo["uploaded_by"] == "li"
    done = ok(client.post(f"{API}/tickets/{tid}/complete", headers=as_li, json={
        "notes": "换了阀门 replaced the valve", "parts": [{"name": "valve DN15", "qty": 1}],
        "fixed": True}))
    assert done["follow_up"] is None
    final = ok(client.get(f"{API}/tickets/{tid}"))
    assert final["status"] == "completed" and final["fixed_first_time"] is True
    assert final["parts"] == [{"name": "valve DN15", "qty": 1}]
    assert final["resolution_notes"].startswith("换了阀门")
    assert (final["checkin_lat"], final["checkin_lon"], final["checkin_inside"]) == (
        here[0], here[1], True)
    listed = ok(client.get(f"{API}/tickets/{tid}/photos", headers=as_li))
    assert [(p["id"], p["tag"]) for p in listed] == [(photo["id"], "before")]
    token = as_li["Authorization"].split()[1]
    image = client.get(photo["url"], params={"access_token": token}, headers={"Authorization": ""})
    assert image.status_code == 200 and image.content == png()
    assert image.headers["content-type"] == "image/png"
    assert ok(client.get(f"{API}/me/route", headers=as_li))["stops"] == []
    for kind in ("accepted", "en_route", "on_site", "photo_added", "completed"):
        assert count(app_engine, f"ticket.{kind}") == 1, kind


def test_a_far_check_in_is_taken_with_a_warning_and_an_alert(client: TestClient,
                                                             app_engine: Engine) -> None:
    li, ticket, as_li = his_ticket(client, app_engine)
    far = north(2)  # 2 km away, outside the site too
    checked = ok(client.post(f"{API}/tickets/{ticket['id']}/check-in", headers=as_li,
                             json={"lat": far[0], "lon": far[1]}))
    assert checked["inside"] is False and checked["inside_site"] is False
    assert 1900 < checked["distance_m"] < 2100 and checked["radius_m"] == 150
    assert "allowed 150 m" in checked["warning"]
    assert checked["ticket"]["status"] == "on_site"  # accepted and started on the way
    assert checked["ticket"]["accepted_at"] and checked["ticket"]["checkin_inside"] is False
    app_engine.check_alerts()  # the SLA monitor must not resolve it: it is not its finding
    alerts = ok(client.get(f"{API}/alerts", params={"state": "open"}))
    flagged = [a for a in alerts if a["kind"] == "checkin_far"]
    assert [(a["ticket_id"], a["technician_id"]) for a in flagged] == [(ticket["id"], li["id"])]


def test_inside_the_site_polygon_counts_as_on_site(client: TestClient,
                                                   app_engine: Engine) -> None:
    _, ticket, as_li = his_ticket(client, app_engine)
    corner = (ORIGIN[0] + 0.0025, ORIGIN[1] + 0.0025)  # ~350 m away, still in the compound
    checked = ok(client.post(f"{API}/tickets/{ticket['id']}/check-in", headers=as_li,
                             json={"lat": corner[0], "lon": corner[1]}))
    assert checked["inside"] is True and checked["inside_site"] is True
    assert checked["distance_m"] > 150


def test_needs_another_visit_opens_a_linked_follow_up(client: TestClient,
                                                      app_engine: Engine) -> None:
    _, ticket, as_li = his_ticket(client, app_engine, urgency="emergency", category="electric")
    ok(client.post(f"{API}/tickets/{ticket['id']}/check-in", headers=as_li,
                   json={"lat": ORIGIN[0], "lon": ORIGIN[1]}))
    done = ok(client.post(f"{API}/tickets/{ticket['id']}/complete", headers=as_li,
                          json={"notes": "need a new pump", "fixed": False}))
    follow = done["follow_up"]
    assert done["ticket"]["fixed_first_time"] is False
    assert follow["follow_up_of"] == ticket["id"] and follow["status"] == "new"
    assert (follow["urgency"], follow["category"], follow["site_id"], follow["unit"]) == (
        "routine", "electric", "sunny", "1202")
    assert "need a new pump" in follow["description"]
    assert ok(client.get(f"{API}/tickets/{follow['id']}"))["follow_up_of"] == ticket["id"]


@pytest.mark.parametrize("progress", [[], ["accept"], ["accept", "start"]])
def test_resident_not_home_sends_the_ticket_back_for_rebooking(
        client: TestClient, app_engine: Engine, progress: list[str]) -> None:
    _, ticket, as_li = his_ticket(client, app_engine)
    tid = ticket["id"]
    for step in progress:
        ok(client.post(f"{API}/tickets/{tid}/{step}", headers=as_li))
    back = ok(client.post(f"{API}/tickets/{tid}/not-home", headers=as_li,
                          json={"note": "rang twice"}))
    assert back["status"] == "new" and back["assignment"]["technician_id"] is None
    assert (back["not_home_count"], back["not_home_note"]) == (1, "rang twice")
    ok(client.post(f"{API}/plan/replan"))
    again = ok(client.get(f"{API}/tickets/{tid}"))
    assert again["status"] == "new" and again["assignment"]["technician_id"] is None
    assert ok(client.get(f"{API}/me/route", headers=as_li))["stops"] == []
    assert client.get(f"{API}/tickets/{tid}", headers=as_li).status_code == 403
    holds = ok(client.get(f"{API}/overrides"))
    assert [(o["ticket_id"], o["kind"], o["reason"]) for o in holds] == [
        (tid, "hold", "resident_request")]
    assert count(app_engine, "ticket.not_home") == 1


def test_photos_are_judged_by_their_bytes_and_stored_once(client: TestClient,
                                                          app_engine: Engine) -> None:
    _, ticket, as_li = his_ticket(client, app_engine)
    url = f"{API}/tickets/{ticket['id']}/photos"
    ok(client.post(f"{API}/tickets/{ticket['id']}/accept", headers=as_li))
    refusals = [
        ({"file": ("a.png", b"not an image at all", "image/png")}, {}, 415, "JPEG, PNG or WebP"),
        ({"file": ("big.png", png(200, 200, 7)[:8] + bytes(5000), "image/png")}, {}, 413,
         "larger than 4096 bytes"),
        ({"file": ("e.png", b"", "image/png")}, {}, 422, "empty"),
        ({"file": ("a.png", png(), "image/png")}, {"tag": "during"}, 422, "tag"),
        (None, {"tag": "after"}, 422, '"field":"file"'),
    ]
    for files, data, status, why in refusals:
        answer = client.post(url, headers=as_li, files=files, data=data)
        assert answer.status_code == status and why in answer.text, answer.text
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(20)
    first = ok(client.post(url, headers=as_li, files={"file": ("x.bin", webp)}), 201)
    second = ok(client.post(url, headers=as_li, data={"tag": "before"},
                            files={"file": ("y", webp)}), 201)
    assert first["content_type"] == "image/webp" and first["sha256"] == second["sha256"]
    stored = list((app_engine.settings.photo_dir).iterdir())
    assert [p.name for p in stored] == [f"{first['sha256']}.webp"]
    wang = ok(client.post(f"{API}/technicians", json=tech_json(name="Wang")), 201)
    as_wang = bearer(app_engine, "wang", Role.technician, wang["id"])
    assert client.get(f"{API}/photos/{first['id']}", headers=as_wang).status_code == 403
    assert client.get(url, headers=as_wang).status_code == 403
    assert client.post(url, headers=as_wang, files={"file": ("x", webp)}).status_code == 403
    assert client.get(f"{API}/photos/{first['id']}").status_code == 200  # the dispatcher


def test_replayed_field_actions_apply_once(client: TestClient, app_engine: Engine) -> None:
    """The offline queue resends with the same key: same answer, one event, one photo; a
    multipart resend has a new boundary and still counts as the same request."""
    _, ticket, as_li = his_ticket(client, app_engine)
    tid = ticket["id"]
    steps = [("accept", None), ("check-in", {"lat": ORIGIN[0], "lon": ORIGIN[1]}),
             ("complete", {"notes": "ok", "fixed": True})]
    for step, body in steps:
        headers = {**as_li, "Idempotency-Key": f"k-{step}"}
        first = client.post(f"{API}/tickets/{tid}/{step}", headers=headers, json=body)
        again = client.post(f"{API}/tickets/{tid}/{step}", headers=headers, json=body)
        assert first.status_code == again.status_code == 200, again.text
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        if step == "check-in":  # httpx draws a new multipart boundary for each request
            bodies = [client.post(f"{API}/tickets/{tid}/photos", files={"file": ("p.png", png())},
                                  headers={**as_li, "Idempotency-Key": "k-photo"},
                                  data={"tag": "after"}) for _ in range(2)]
            assert [b.status_code for b in bodies] == [201, 201], bodies[1].text
            assert bodies[0].json() == bodies[1].json()
    assert [count(app_engine, f"ticket.{k}") for k in ("accepted", "on_site", "completed",
                                                      "photo_added")] == [1, 1, 1, 1]
    with app_engine.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Photo)) == 1
    stolen = client.post(f"{API}/tickets/{tid}/accept",
                         headers={"Authorization": "", "Idempotency-Key": "k-accept"})
    assert stolen.status_code == 401  # a key is no login: no stored answer without a token


def test_the_company_chooses_the_map_apps_of_a_stop(client: TestClient,
                                                    app_engine: Engine) -> None:
    """Apple and Google take the stored WGS-84 point as it is; AMap gets it in GCJ-02."""
    app_engine.settings = app_engine.settings.model_copy(update={"nav_links": "google,amap"})
    _, ticket, as_li = his_ticket(client, app_engine)
    stop = ok(client.get(f"{API}/me/route", headers=as_li))["stops"][0]
    google, amap = stop["nav"]
    assert google["provider"] == "google"
    assert google["url"].endswith(f"query={ticket['lat']:.6f},{ticket['lon']:.6f}")
    g_lat, g_lon = wgs84_to_gcj02(ticket["lat"], ticket["lon"])
    label = quote("阳光花园 3号楼 1202")  # the compound by name, as people know it
    assert f"position={g_lon:.6f},{g_lat:.6f}&name={label}&" in amap["url"]
