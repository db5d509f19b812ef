"""GET /api/v1/kpis and /kpis.csv on the hand-built history (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from dispatcher.engine import Engine
from tests.kpi_history import store

API = "/api/v1"
RANGE = "from=2026-11-02&to=2026-11-04"


@pytest.fixture
def history_client(client: TestClient, app_engine: Engine) -> TestClient:
    store(app_engine)
    return client


def test_kpis_json_total_and_rows_per_day(history_client: TestClient) -> None:
    response = history_client.get(f"{API}/kpis?period=day&{RANGE}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["start"] == "2026-11-02" and body["end"] == "2026-11-04"
    assert body["total"]["first_time_fix_rate"] == 0.8
    assert body["total"]["closed_loop_rate"] == 0.6
    assert body["total"]["cycle_time_avg_min"] == 118.0
    assert [r["key"] for r in body["rows"]] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert body["rows"][1]["kpis"]["rework_rate"] == 0.5


def test_kpis_filtered_and_grouped(history_client: TestClient) -> None:
    body = history_client.get(f"{API}/kpis?{RANGE}&urgency=emergency&group_by=category").json()
    assert body["filters"]["urgency"] == "emergency"
    assert body["total"]["tickets"] == 2 and body["total"]["utilisation"] is None
    assert {r["key"]: r["kpis"]["tickets"] for r in body["rows"]} == {
        "electric": 1, "water": 1}
    wang = history_client.get(f"{API}/kpis?{RANGE}&technician=1").json()["total"]
    assert (wang["on_site_hours"], wang["shift_hours"]) == (4.75, 22.0)


def test_kpis_csv_is_a_download_with_a_total_line(history_client: TestClient) -> None:
    response = history_client.get(f"{API}/kpis.csv?period=week&{RANGE}&group_by=technician")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["label"] for r in rows] == ["王师傅 Wang", "李师傅 Li", "total"]
    assert rows[0]["completed"] == "3" and rows[2]["first_time_fix_rate"] == "0.8"
    assert rows[1]["on_site_hours"] == "3" and rows[2]["rating_avg"] == "3.6667"


@pytest.mark.parametrize("query, field", [
    ("period=year", "period"),
    ("from=2026-13-01", "from"),
    ("to=yesterday", "to"),
    ("group_by=colour", "group_by"),
    ("urgency=asap", "urgency"),
    ("category=roof", "category"),
    ("technician=wang", "technician"),
    ("from=2026-11-05&to=2026-11-01", "from"),
    ("from=2020-01-01&to=2026-11-01", "to"),
])
def test_bad_parameters_are_422_naming_the_field(client: TestClient, query: str,
                                                 field: str) -> None:
    for path in ("/kpis", "/kpis.csv"):
        response = client.get(f"{API}{path}?{query}")
        assert response.status_code == 422, response.text
        assert field in response.text
