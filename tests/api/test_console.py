"""The dispatcher console is served as static files under /console/, and / leads there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.config import Settings
from dispatcher.engine import Engine


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    engine = Engine(Settings(database_url=f"sqlite:///{tmp_path}/t.db", solve_budget_ms=200))
    with TestClient(create_app(engine=engine)) as test_client:
        yield test_client


def test_console_page_loads_its_script(client: TestClient) -> None:
    res = client.get("/console/")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert 'src="console.js"' in res.text
    assert 'type="module"' in res.text
    assert 'href="console.css"' in res.text


def test_console_script_is_javascript_and_polls_the_api(client: TestClient) -> None:
    res = client.get("/console/console.js")
    assert res.status_code == 200
    assert "javascript" in res.headers["content-type"]
    for path in ("/api/v1/plan", "/api/v1/tickets", "/api/v1/technicians"):
        assert path in res.text


def test_console_stylesheet_is_served(client: TestClient) -> None:
    res = client.get("/console/console.css")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/css")


def test_root_redirects_to_console(client: TestClient) -> None:
    res = client.get("/", follow_redirects=False)
    assert res.status_code in (302, 307)
    assert res.headers["location"] == "/console/"
