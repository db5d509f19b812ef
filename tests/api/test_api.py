"""The REST API through FastAPI's test client: happy paths, bad input, unknown ids, conflicts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import north, tech_json, ticket_json

API = "/api/v1"


def post(client: TestClient, path: str, body: dict[str, Any], expect: int = 201) -> Any:
    response = client.post(API + path, json=body)
    assert response.status_code == expect, response.text
    return response.json()


def replan(client: TestClient) -> dict[str, Any]:
    return post(client, "/plan/replan", {}, expect=200)


def test_report_plan_and_work_a_ticket(client: TestClient) -> None:
    li = post(client, "/technicians", tech_json())
    assert li["state"] == "idle" and li["on_shift"] is True
    t = post(client, "/tickets", ticket_json(urgency="emergency", category="electric"))
    # "assigned" already when a plan existed: an emergency is inserted into it at once.
    assert t["status"] in ("new", "assigned")
    assert t["skill"] == "electrician" and t["service_minutes"] == 45
    assert t["respond_by"] and t["arrive_by"] and t["resolve_by"]
    plan = replan(client)
    assert plan["version"] >= 1
    assert plan["routes"] == [{**plan["routes"][0], "technician_id": li["id"]}]
    assert plan["routes"][0]["stops"][0]["ticket_id"] == t["id"]
    read = client.get(f"{API}/tickets/{t['id']}").json()
    assert read["status"] == "assigned"
    assert read["assignment"]["technician_id"] == li["id"]
    assert read["assignment"]["eta"] is not None
    assert read["assignment"]["predicted_late_minutes"] == 0
    for status in ("accepted", "en_route", "on_site", "completed"):
        answer = post(client, f"/tickets/{t['id']}/status", {"status": status}, 200)
        assert answer["status"] == status
    assert client.get(f"{API}/tickets?status=completed").json()[0]["id"] == t["id"]
    assert client.get(f"{API}/tickets?status=new&status=assigned").json() == []


def test_position_update_and_technician_reads(client: TestClient) -> None:
    li = post(client, "/technicians", tech_json())
    lat, lon = north(1)
    moved = post(client, f"/technicians/{li['id']}/position", {"lat": lat, "lon": lon}, 202)
    assert moved == {"technician_id": li["id"], "lat": lat, "lon": lon, "at": moved["at"],
                     "applied": True}
    assert client.get(f"{API}/technicians/{li['id']}").json()["position"]["lat"] == lat
    assert [t["id"] for t in client.get(f"{API}/technicians").json()] == [li["id"]]


@pytest.mark.parametrize("body, field", [
    (ticket_json(lat=200), "lat"),
    (ticket_json(lon=-181), "lon"),
    (ticket_json(skill="diver"), "skill"),
    (ticket_json(urgency="asap"), "urgency"),
    (ticket_json(category="roof"), "category"),
    (ticket_json(urgency="scheduled"), "window is required"),
    (ticket_json(urgency="scheduled", window={"start": "2026-11-25T12:00:00+08:00",
                                              "end": "2026-11-25T10:00:00+08:00"}),
     "window.end must be after window.start"),
    (ticket_json(urgency="emergency", window={"start": "2026-11-25T12:00:00+08:00",
                                              "end": "2026-11-25T14:00:00+08:00"}),
     "not allowed on emergency"),
    (ticket_json(reported_at="2026-11-25T09:00:00"), "time zone"),
    (ticket_json(service_minutes=0), "service_minutes"),
    (ticket_json(colour="red"), "colour"),
])
def test_bad_ticket_is_422_naming_the_field_and_stores_nothing(
        client: TestClient, body: dict[str, Any], field: str) -> None:
    response = client.post(f"{API}/tickets", json=body)
    assert response.status_code == 422
    assert field in response.text
    assert client.get(f"{API}/tickets").json() == []


@pytest.mark.parametrize("body, field", [
    (tech_json(skills=["astronaut"]), "skills"),
    (tech_json(skills=[]), "skills"),
    (tech_json(shift={"start": "25:00", "end": "17:00"}), "shift"),
    (tech_json(home={"lat": 91, "lon": 0}), "lat"),
    (tech_json(name=""), "name"),
])
def test_bad_technician_is_422_and_stores_nothing(client: TestClient, body: dict[str, Any],
                                                  field: str) -> None:
    response = client.post(f"{API}/technicians", json=body)
    assert response.status_code == 422 and field in response.text
    assert client.get(f"{API}/technicians").json() == []


def test_bad_position_is_422(client: TestClient) -> None:
    li = post(client, "/technicians", tech_json())
    response = client.post(f"{API}/technicians/{li['id']}/position", json={"lat": 200, "lon": 0})
    assert response.status_code == 422 and "lat" in response.text


@pytest.mark.parametrize("method, path, body", [
    ("get", "/tickets/404", None),
    ("post", "/tickets/404/cancel", None),
    ("post", "/tickets/404/status", {"status": "accepted"}),
    ("get", "/technicians/404", None),
    ("post", "/technicians/404/position", {"lat": 31, "lon": 121}),
    ("delete", "/overrides/404", None),
])
def test_unknown_ids_are_404(client: TestClient, method: str, path: str, body: Any) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(API + path, **kwargs)
    assert response.status_code == 404 and "404" in response.json()["detail"]


def test_impossible_transition_is_409_with_the_reason(client: TestClient) -> None:
    t = post(client, "/tickets", ticket_json())
    response = client.post(f"{API}/tickets/{t['id']}/status", json={"status": "completed"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "ticket cannot go from new to completed; allowed next: assigned, cancelled, "
                  "merged",
        "field": "status", "code": "conflict"}


def test_pins(client: TestClient) -> None:
    a = post(client, "/technicians", tech_json(name="A"))
    b = post(client, "/technicians", tech_json(name="B", home={"lat": north(5)[0],
                                                                "lon": north(5)[1]}))
    cleaner = post(client, "/technicians", tech_json(name="C", skills=["cleaning"]))
    t = post(client, "/tickets", ticket_json())
    assert replan(client)["routes"][0]["technician_id"] == a["id"]
    refused = client.post(f"{API}/overrides", json={"ticket_id": t["id"],
                                                    "technician_id": cleaner["id"]})
    assert refused.status_code == 422
    assert refused.json()["field"] == "technician_id"
    assert "lacks the skill electrician" in refused.json()["detail"]
    post(client, "/overrides", {"ticket_id": t["id"], "technician_id": b["id"],
                                "reason": "resident_request"})
    replan(client)
    assert client.get(f"{API}/tickets/{t['id']}").json()["assignment"]["technician_id"] == b["id"]
    cleared = client.delete(f"{API}/overrides/{t['id']}")
    assert cleared.status_code == 200 and cleared.json()["override"]["cleared_by"] == "dispatcher"
    replan(client)
    assert client.get(f"{API}/tickets/{t['id']}").json()["assignment"]["technician_id"] == a["id"]
    bad_reason = client.post(f"{API}/overrides", json={"ticket_id": t["id"],
                                                       "technician_id": b["id"], "reason": "x"})
    assert bad_reason.status_code == 422 and "reason" in bad_reason.text


def test_cancel(client: TestClient) -> None:
    t = post(client, "/tickets", ticket_json())
    assert post(client, f"/tickets/{t['id']}/cancel", {}, 200)["status"] == "cancelled"
    assert client.post(f"{API}/tickets/{t['id']}/cancel").status_code == 409


def test_plan_before_any_solve_and_unassigned_reasons(client: TestClient) -> None:
    assert client.get(f"{API}/plan").json()["version"] == 0
    t = post(client, "/tickets", ticket_json(category="elevator"))
    plan = replan(client)
    assert plan["unassigned"][0]["ticket_id"] == t["id"]
    assert "elevator" in plan["unassigned"][0]["reason"]
    assert client.get(f"{API}/plan").json()["version"] >= plan["version"]


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}/status", "/api/v1/plan",
                 "/api/v1/overrides", "/api/v1/technicians/{technician_id}/position"):
        assert path in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_alerts_list_and_acknowledge(client: TestClient, clock) -> None:
    post(client, "/tickets", ticket_json(urgency="emergency", category="elevator"))
    clock.advance(timedelta(minutes=31))
    client.app.state.engine.check_alerts()
    open_alerts = client.get(f"{API}/alerts?state=open").json()
    assert {a["kind"] for a in open_alerts} == {"breached", "unassigned"}
    breach = next(a for a in open_alerts if a["kind"] == "breached")
    acked = post(client, f"/alerts/{breach['id']}/ack", {"by": "desk-2"}, 200)
    assert acked["state"] == "acknowledged" and acked["acked_by"] == "desk-2"
    assert client.post(f"{API}/alerts/{breach['id']}/ack").status_code == 409
    assert client.post(f"{API}/alerts/9999/ack").status_code == 404
    assert client.get(f"{API}/alerts?state=bogus").status_code == 422


def test_override_kinds_over_http(client: TestClient) -> None:
    a = post(client, "/technicians", tech_json(name="A"))
    t1, t2 = (post(client, "/tickets", ticket_json(lat=north(km)[0]))["id"] for km in (1, 2))
    replan(client)
    moved = post(client, "/overrides/move", {"ticket_id": t2, "technician_id": a["id"],
                                             "position": 0, "reason": "resident_request"})
    assert moved["override"]["kind"] == "move" and moved["warnings"] == []
    assert client.get(f"{API}/plan").json()["routes"][0]["stops"][0]["ticket_id"] == t2
    held = post(client, "/overrides/hold", {"ticket_id": t1, "reason": "parts", "by": "desk"})
    assert held["assignments"][str(t1)]["technician_id"] is None
    assert "held by desk (parts)" in held["warnings"][0]
    locked = post(client, "/overrides/lock", {"technician_id": a["id"], "minutes": 20})
    assert locked["override"]["sequence"] == [t2]
    assert {o["kind"] for o in client.get(f"{API}/overrides").json()} == {"move", "hold", "lock"}
    refused = client.post(f"{API}/overrides", json={"ticket_id": t2, "technician_id": a["id"]})
    assert refused.status_code == 409 and "locked route" in refused.json()["detail"]
    assert client.delete(f"{API}/overrides/lock/{a['id']}").status_code == 200
    assert client.delete(f"{API}/overrides/lock/{a['id']}").status_code == 404
    bad = client.post(f"{API}/overrides/lock", json={"technician_id": a["id"], "minutes": 0})
    assert bad.status_code == 422 and "minutes" in bad.text


def test_reasons_and_alerts_read_in_the_language_asked_for(client: TestClient, clock) -> None:
    """The console in Chinese asks with Accept-Language: zh-CN; the stored texts and any other
    client stay English."""
    t = post(client, "/tickets", ticket_json(urgency="emergency", category="elevator"))
    replan(client)
    clock.advance(timedelta(minutes=31))
    client.app.state.engine.check_alerts()
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    ticket = client.get(f"{API}/tickets/{t['id']}", headers=zh)
    assert ticket.json()["assignment"]["unassigned_reason"] == "当班师傅中无人具备“电梯工”技能"
    assert ticket.headers["vary"].endswith("Accept-Language")
    plan = client.get(f"{API}/plan", headers=zh).json()
    assert plan["unassigned"][0]["reason"] == "当班师傅中无人具备“电梯工”技能"
    alerts = {a["kind"]: a["message"] for a in client.get(f"{API}/alerts", headers=zh).json()}
    assert alerts["breached"] == f"工单 {t['id']}（紧急·电梯）已超时：接单、到场"
    assert re.fullmatch(rf"紧急工单 {t['id']} 已 \d+ 分钟无法排入任何路线："
                        "当班师傅中无人具备“电梯工”技能", alerts["unassigned"])
    english = client.get(f"{API}/tickets/{t['id']}").json()["assignment"]["unassigned_reason"]
    assert english == "no technician on shift has skill 'elevator'"
