"""Security headers on the apps and the API, CORS off unless configured (issue 18)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import PWA_DIR, create_app
from dispatcher.engine import Engine

API = "/api/v1"


def csp(answer: object) -> dict[str, str]:
    """The Content-Security-Policy's directives by name."""
    policy = answer.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {d.split()[0]: d.strip() for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/app/", "/console/", "/console/kpi.html",
                                  "/followup/some-token"])
def test_the_apps_get_a_strict_policy(anonymous: TestClient, path: str) -> None:
    answer = anonymous.get(path)
    assert answer.status_code == 200
    policy = csp(answer)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert "unsafe" not in answer.headers["content-security-policy"]
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_only_the_technician_app_may_use_location_and_camera(anonymous: TestClient) -> None:
    app = anonymous.get("/app/").headers["permissions-policy"]
    console = anonymous.get("/console/").headers["permissions-policy"]
    assert "geolocation=(self)" in app and "camera=(self)" in app
    assert "microphone=()" in app and "payment=()" in app
    assert "geolocation=()" in console and "camera=()" in console


def test_the_api_answers_carry_the_headers_too(client: TestClient) -> None:
    for answer in (client.get(f"{API}/tickets"), client.get(f"{API}/tickets/999999"),
                   client.get("/healthz")):
        assert csp(answer)["default-src"] == "default-src 'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"


def _html_files() -> list[Path]:
    return sorted(p for p in PWA_DIR.rglob("*.html") if "vendor" not in p.parts)


@pytest.mark.parametrize("page", _html_files(), ids=lambda p: str(p.relative_to(PWA_DIR)))
def test_no_page_has_inline_script_or_style(page: Path) -> None:
    """The policy would block them: every script and style is a file of its own."""
    html = page.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_followup_page_loads_its_files(anonymous: TestClient) -> None:
    page = anonymous.get("/followup/some-token").text
    for asset in re.findall(r'(?:src|href)="(/followup/assets/[^"]+)"', page):
        answer = anonymous.get(asset)
        assert answer.status_code == 200 and answer.text, asset


def test_no_cors_unless_configured(anonymous: TestClient) -> None:
    answer = anonymous.options(f"{API}/tickets", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in answer.headers


@pytest.fixture
def cors_client(app_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(app_engine.settings, "cors_origins", "https://desk.example")
    with TestClient(create_app(engine=app_engine)) as c:
        yield c


def test_cors_for_the_configured_origins_only(cors_client: TestClient) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return dict(cors_client.options(f"{API}/tickets", headers={
            "Origin": origin, "Access-Control-Request-Method": "GET"}).headers)
    assert preflight("https://desk.example")["access-control-allow-origin"] == (
        "https://desk.example")
    assert "access-control-allow-origin" not in preflight("https://evil.example")
