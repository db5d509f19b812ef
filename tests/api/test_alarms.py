"""Equipment alarms over HTTP: a signed alarm opens an emergency ticket on its asset, a replay or
a bad signature is refused, a repeat joins the open ticket, a clearance before anyone set off
cancels it with the reason kept; `dispatch devices` issues, lists, revokes and sends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli import main
from dispatcher.alarms.models import DeviceKind
from dispatcher.alarms.schemas import DeviceCreate
from dispatcher.alarms.signing import sign
from dispatcher.assets.models import AssetKind
from dispatcher.assets.schemas import AssetCreate
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests import builders
from tests.api.served import served


def _device(engine: Engine, kind: str = "fire_panel") -> tuple[int, str, int]:
    """(device id, key, asset id) of a new device on a new asset of building 5."""
    asset = engine.create_asset(AssetCreate(
        kind=AssetKind.fire_system, name="5号楼消防主机", site_id="lvjing", building="5",
        lat=builders.ORIGIN[0], lon=builders.ORIGIN[1]))
    device = engine.alarms.add_device(DeviceCreate(name="5号楼火警控制器",
                                                   kind=DeviceKind(kind), asset_id=asset.id))
    return device.id, device.key, asset.id


def _post(client: TestClient, device: int, key: str, body: dict[str, str], at: int,
          signed_body: bytes | None = None) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Device-Id": str(device),
               "X-Timestamp": str(at), "X-Signature": sign(key, at, signed_body or raw)}
    r = client.post("/api/v1/alarms", content=raw, headers=headers)
    return r.status_code, r.json()


RAISED = {"event": "raised", "code": "F03", "message": "smoke detector 5-12"}
CLEARED = {"event": "cleared", "code": "F03"}


def test_a_signed_alarm_opens_an_emergency_ticket_with_its_deadlines(
        anonymous: TestClient, client: TestClient, app_engine: Engine,
        clock: ManualClock) -> None:
    """A fire panel's alarm: an emergency fire ticket on the asset's place, on site within
    10 minutes (the policy's fire rule), confirmed by two (fire + general), planned like any
    other ticket."""
    device, key, asset = _device(app_engine)
    client.post("/api/v1/technicians", json=builders.tech_json(skills=["fire", "general"]))
    client.post("/api/v1/technicians", json=builders.tech_json(name="李二", skills=["general"]))
    now = int(clock.now().timestamp())
    status, answer = _post(anonymous, device, key, RAISED, now)
    assert status == 201, answer
    assert answer["outcome"] == "opened" and answer["ticket_status"] == "new"
    ticket = client.get(f"/api/v1/tickets/{answer['ticket_id']}").json()
    assert (ticket["urgency"], ticket["category"], ticket["asset_id"]) == (
        "emergency", "fire", asset)
    assert ticket["building"] == "5" and "F03 smoke detector 5-12" in ticket["description"]
    arrive_by = datetime.fromisoformat(ticket["arrive_by"])
    assert arrive_by - datetime.fromisoformat(ticket["reported_at"]) == timedelta(minutes=10)
    app_engine.replan_now()
    planned = client.get(f"/api/v1/tickets/{answer['ticket_id']}").json()
    assert planned["status"] == "assigned" and planned["crew_size"] == 2
    assert [(m["skill"], m["status"]) for m in planned["crew"]] == [
        ("fire", "assigned"), ("general", "assigned")]
    assert len({m["technician_id"] for m in planned["crew"]}) == 2


def test_a_replay_and_a_forged_alarm_are_refused_and_change_nothing(
        anonymous: TestClient, client: TestClient, app_engine: Engine,
        clock: ManualClock) -> None:
    device, key, _ = _device(app_engine)
    now = int(clock.now().timestamp())
    assert _post(anonymous, device, key, RAISED, now)[0] == 201
    status, answer = _post(anonymous, device, key, RAISED, now)  # the same request again
    assert status == 409 and answer["field"] == "X-Signature" and "replay" in answer["detail"]
    tampered = dict(RAISED, code="F99")  # the body changed after signing
    status, answer = _post(anonymous, device, key, tampered, now + 1,
                           signed_body=json.dumps(RAISED).encode())
    assert status == 401 and answer["field"] == "X-Signature"
    assert _post(anonymous, device, "0" * 64, RAISED, now + 2)[0] == 401  # another key
    status, answer = _post(anonymous, device + 1, key, RAISED, now + 3)
    assert status == 401 and answer["field"] == "X-Device-Id"
    assert len(client.get("/api/v1/tickets").json()) == 1


def test_a_timestamp_outside_the_allowed_skew_is_refused(
        anonymous: TestClient, app_engine: Engine, clock: ManualClock) -> None:
    """300 s either side of the server's clock (DISPATCH_ALARM_MAX_SKEW_S) is taken."""
    device, key, _ = _device(app_engine)
    now = int(clock.now().timestamp())
    for at, expected in ((now - 301, 401), (now + 301, 401), (now - 300, 201), (now + 300, 201)):
        status, answer = _post(anonymous, device, key, dict(RAISED, code=f"T{at}"), at)
        assert status == expected, (at - now, answer)
        if expected == 401:
            assert answer["field"] == "X-Timestamp" and "301 s" in answer["detail"]


def test_a_repeat_joins_the_open_ticket_and_a_new_fault_after_completion_opens_another(
        anonymous: TestClient, client: TestClient, app_engine: Engine,
        clock: ManualClock) -> None:
    device, key, _ = _device(app_engine)
    client.post("/api/v1/technicians", json=builders.tech_json(skills=["fire", "general"]))
    client.post("/api/v1/technicians", json=builders.tech_json(name="李二", skills=["general"]))
    now = int(clock.now().timestamp())
    first = _post(anonymous, device, key, RAISED, now)[1]
    status, again = _post(anonymous, device, key, RAISED, now + 30)
    assert status == 201 and again["outcome"] == "merged"
    assert again["ticket_id"] == first["ticket_id"]
    app_engine.replan_now()
    for step in ("accepted", "en_route", "on_site", "completed"):
        r = client.post(f"/api/v1/tickets/{first['ticket_id']}/status", json={"status": step})
        assert r.status_code == 200, r.text
    later = _post(anonymous, device, key, RAISED, now + 60)[1]
    assert later["outcome"] == "opened" and later["ticket_id"] != first["ticket_id"]


def test_a_clearance_before_anyone_set_off_cancels_the_ticket_with_the_reason(
        anonymous: TestClient, client: TestClient, app_engine: Engine,
        clock: ManualClock) -> None:
    device, key, _ = _device(app_engine)
    now = int(clock.now().timestamp())
    ticket_id = _post(anonymous, device, key, RAISED, now)[1]["ticket_id"]
    status, answer = _post(anonymous, device, key, CLEARED, now + 60)
    assert status == 201 and answer["outcome"] == "cancelled"
    assert answer["ticket_status"] == "cancelled"
    ticket = client.get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["status"] == "cancelled"
    assert ticket["resolution_notes"].startswith(
        "cancelled: 5号楼火警控制器 cleared alarm F03 at ")
    zh = client.get(f"/api/v1/tickets/{ticket_id}", headers={"Accept-Language": "zh-CN"})
    assert zh.json()["resolution_notes"].startswith("已取消：5号楼火警控制器 于 ")
    # Cleared again, nothing is open: noted only.
    assert _post(anonymous, device, key, CLEARED, now + 90)[1]["outcome"] == "noted"


def test_a_clearance_after_he_set_off_leaves_the_ticket(
        anonymous: TestClient, client: TestClient, app_engine: Engine,
        clock: ManualClock) -> None:
    """He is on his way: the fault still needs a look; the clearance is only noted."""
    device, key, _ = _device(app_engine)
    client.post("/api/v1/technicians", json=builders.tech_json(skills=["fire", "general"]))
    client.post("/api/v1/technicians", json=builders.tech_json(name="李二", skills=["general"]))
    now = int(clock.now().timestamp())
    ticket_id = _post(anonymous, device, key, RAISED, now)[1]["ticket_id"]
    app_engine.replan_now()
    for step in ("accepted", "en_route"):
        client.post(f"/api/v1/tickets/{ticket_id}/status", json={"status": step})
    answer = _post(anonymous, device, key, CLEARED, now + 60)[1]
    assert (answer["outcome"], answer["ticket_status"]) == ("noted", "en_route")


def test_a_bad_body_or_header_names_the_field(anonymous: TestClient, app_engine: Engine,
                                              clock: ManualClock) -> None:
    device, key, _ = _device(app_engine)
    now = int(clock.now().timestamp())
    status, answer = _post(anonymous, device, key, {"event": "exploded", "code": "F1"}, now)
    assert status == 422 and answer["field"] == "event"
    r = anonymous.post("/api/v1/alarms", json=RAISED, headers={
        "X-Device-Id": str(device), "X-Timestamp": str(now), "X-Signature": "md5=abc"})
    assert r.status_code == 422 and r.json()["field"] == "X-Signature"


def test_the_devices_command_issues_lists_revokes_and_sends(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a real `dispatch serve`: the key `devices add` prints signs an alarm `devices
    send` posts; once revoked, the same key is refused."""
    with served(tmp_path) as server:
        url = f"sqlite:///{tmp_path / 'dispatch.db'}"
        monkeypatch.setenv("DISPATCH_DATABASE_URL", url)
        engine = Engine(Settings(database_url=url))
        asset = engine.create_asset(AssetCreate(kind=AssetKind.elevator, name="3号楼1号梯",
                                                lat=builders.ORIGIN[0],
                                                lon=builders.ORIGIN[1]))
        engine.sessions.kw["bind"].dispose()
        assert main(["devices", "add", "3号楼1号梯报警器", "--kind", "elevator_alarm",
                     "--asset", str(asset.id)]) == 0
        out = capsys.readouterr().out
        key = out.split("key: ")[1].split()[0]
        assert out.startswith("added device 1 (elevator_alarm, asset 1)") and len(key) == 64
        assert main(["devices", "send", "1", "raised", "E12", "--key", key,
                     "--message", "困人", "--url", server.url]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert answer["outcome"] == "opened" and answer["ticket_id"] == 1
        assert main(["devices", "list"]) == 0
        assert "3号楼1号梯报警器\televator_alarm\tasset 1\tactive" in capsys.readouterr().out
        assert main(["devices", "revoke", "1"]) == 0
        assert main(["devices", "send", "1", "raised", "E13", "--key", key,
                     "--url", server.url]) == 1
        assert "401" in capsys.readouterr().err
    assert main(["devices", "add", "x", "--kind", "power", "--asset", "9"]) == 2
    assert "asset 9 not found" in capsys.readouterr().err
