"""GET /api/v1/kpis and /kpis.csv on the hand-built history (SQLite and PostgreSQL), and the
console's KPI page in a real browser."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests.accounts import bearer
from tests.kpi_history import NOW, store
from tests.live import serving

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
    # Each one's on-site hours against the mean (4.75 and 3 h: 3.875 h), for fair loads.
    assert [r["load_vs_mean"] for r in rows] == ["1.2258", "0.7742", ""]


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


@pytest.fixture
def live_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on a real port (a browser needs one), over the hand-built history, and a
    dispatcher's token."""
    engine = Engine(Settings(database_url=f"sqlite:///{tmp_path}/kpi.db", solve_budget_ms=200),
                    clock=ManualClock(NOW))
    store(engine)
    token = bearer(engine)["Authorization"].removeprefix("Bearer ")
    with serving(engine) as url:
        yield url, token
    engine.sessions.kw["bind"].dispose()


def rendered(browser: Any, url: str, token: str) -> str:
    """The page's DOM after its scripts ran and its charts were drawn, in Debian's Chromium,
    signed in as the console's login would leave it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(f"localStorage.setItem('console.token', {json.dumps(token)})")
        page.goto(url)
        # A function, not an expression: Playwright evals an expression in the page, which
        # the console's Content-Security-Policy (no 'unsafe-eval') refuses.
        page.wait_for_function(
            "() => document.querySelector('#chart-tech')?.style.boxSizing"
            " && document.querySelectorAll('td').length > 0", timeout=30_000)
        return page.content()
    finally:
        context.close()


def card(dom: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", dom)
    assert found, f"no card {label!r} in the page"
    return found.group(1)


def test_kpi_page_draws_the_figures_in_a_browser(browser: Any,
                                                 live_url: tuple[str, str]) -> None:
    """Chromium loads /console/kpi.html: cards, charts (Chart.js sizes its canvases) and the
    technicians' table show the hand-worked figures, in English and in Chinese."""
    url, token = live_url
    dom = rendered(browser, f"{url}/console/kpi.html?lang=en", token)
    assert card(dom, "First-time fix") == "80.0%"
    assert card(dom, "Closed loop") == "60.0%"
    assert card(dom, "Cycle time avg (min)") == "118.0"
    assert card(dom, "Utilisation") == "12.5%"  # 7.75 h on site / 2 x 31 h of shifts to now
    assert re.search(r'<canvas id="chart-tech"[^>]*style="[^"]*box-sizing', dom)
    assert re.search(r"<td>王师傅 Wang</td><td>3</td><td>66.7%</td>", dom)
    zh = rendered(browser, f"{url}/console/kpi.html?lang=zh&period=week", token)
    assert card(zh, "一次修复率") == "80.0%"
    assert '<html lang="zh-CN">' in zh
    # period=week from the address: the default range is 12 whole weeks up to today (4 Nov)
    assert '<span id="range" class="range">2026-08-17 – 2026-11-04' in zh
