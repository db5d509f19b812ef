"""`/metrics` through HTTP: requests by route and status, GPS fixes, the plan's and the
monitor's figures; the request id on answers and in the JSON log lines (issue 18)."""

from __future__ import annotations

import json
import logging
import re

from fastapi.testclient import TestClient

from api.metrics import REQUEST_ID, JsonFormatter
from tests.builders import tech_json, ticket_json

API = "/api/v1"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the series `name{labels}` in a Prometheus text page, if present."""
    for line in text.splitlines():
        found = re.match(r"^([a-z_]+)(\{.*\})? (\S+)$", line)
        if not found or found.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', found.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(found.group(3))
    return None


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    ticket = client.post(f"{API}/tickets", json=ticket_json()).json()
    client.get(f"{API}/tickets/{ticket['id']}")
    client.get(f"{API}/tickets/999999")
    page = client.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    text = page.text
    route = "/api/v1/tickets/{ticket_id}"
    assert sample(text, "dispatch_http_requests_total", method="POST",
                  route="/api/v1/tickets", status="201") == 1
    assert sample(text, "dispatch_http_requests_total", route=route, status="200") == 1
    assert sample(text, "dispatch_http_requests_total", route=route, status="404") == 1
    assert sample(text, "dispatch_http_request_seconds_count", method="GET", route=route) == 2
    assert str(ticket["id"]) not in re.findall(r'route="([^"]*)"', text)


def test_gps_fixes_plans_alerts_and_the_outbox_are_reported(client: TestClient) -> None:
    tech = client.post(f"{API}/technicians", json=tech_json()).json()
    client.post(f"{API}/tickets", json=ticket_json())
    for _ in range(3):
        client.post(f"{API}/technicians/{tech['id']}/position", json={"lat": 31.2, "lon": 121.5})
    client.post(f"{API}/plan/replan")
    text = client.get("/metrics").text
    assert sample(text, "dispatch_gps_fixes_total") == 3
    assert sample(text, "dispatch_replans_total", trigger="manual") >= 1
    assert sample(text, "dispatch_plan_routes", region="default") is not None
    assert sample(text, "dispatch_plan_solve_seconds", region="default") is not None
    assert sample(text, "dispatch_outbox_pending") is not None
    assert sample(text, "dispatch_outbox_lag_seconds") is not None
    assert "# TYPE dispatch_alerts_open gauge" in text


def test_each_answer_has_a_request_id_and_keeps_a_given_one(client: TestClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    given = client.get("/healthz", headers={"X-Request-ID": "desk-42"})
    assert given.headers["x-request-id"] == "desk-42"


def test_log_lines_are_json_with_the_request_id() -> None:
    token = REQUEST_ID.set("desk-42")
    try:
        record = logging.LogRecord("dispatch.http", logging.WARNING, __file__, 1,
                                   "GET %s -> %d", ("/x", 500), None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["request_id"] == "desk-42" and line["message"] == "GET /x -> 500"
    assert line["level"] == "WARNING" and line["at"]
