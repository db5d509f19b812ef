"""A real server on a free port and Debian's Chromium driven by Playwright, for the browser tests.

Each test gets its own server (SQLite in tmp_path, in-process bus, the system clock, so the
browser's countdowns and the server agree) seeded through the HTTP API like a customer would.
Chromium is Debian's (`apt-get install chromium`); Playwright's own browser download is never
used. Without it the tests skip on a laptop and fail under CI.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from dispatcher.auth import service as auth_service
from dispatcher.auth.schemas import UserCreate
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests.live import serving

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}

# 阳光花园: a compound of four buildings around (31.2200, 121.5300).
SITE = {
    "id": "sunshine", "name": "阳光花园", "lat": 31.2200, "lon": 121.5300,
    "outline": [[121.5290, 31.2192], [121.5312, 31.2192], [121.5312, 31.2208],
                [121.5290, 31.2208]],
}
BUILDINGS = {"1号楼": (31.2204, 121.5294), "2号楼": (31.2204, 121.5306),
             "3号楼": (31.2196, 121.5294), "5号楼": (31.2196, 121.5306)}
ALL_DAY = {"start": "00:00:00", "end": "23:59:59"}


@dataclass
class Live:
    """The running server: its URL, its engine (for reading the database) and a staff client."""

    url: str
    engine: Engine
    staff: httpx.Client
    ids: dict[str, int] = field(default_factory=dict)

    def login(self, username: str, password: str) -> httpx.Client:
        """An API client holding `username`'s bearer token."""
        res = httpx.post(f"{self.url}/api/v1/auth/login",
                         json={"username": username, "password": password})
        res.raise_for_status()
        token = res.json()["access_token"]
        return httpx.Client(base_url=f"{self.url}/api/v1", timeout=10,
                            headers={"Authorization": f"Bearer {token}"})

    def ticket(self, *, building: str, unit: str, urgency: str = "emergency",
               category: str = "water", description: str = "",
               window: dict[str, str] | None = None) -> int:
        lat, lon = BUILDINGS[building]
        res = self.staff.post("/tickets", json={
            "urgency": urgency, "category": category, "lat": lat, "lon": lon,
            "site_id": SITE["id"], "building": building, "unit": unit,
            "description": description, **({"window": window} if window else {})})
        res.raise_for_status()
        return res.json()["id"]

    def pin(self, ticket_id: int, technician_id: int) -> None:
        self.staff.post("/overrides", json={"ticket_id": ticket_id,
                                            "technician_id": technician_id,
                                            "reason": "other"}).raise_for_status()


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, at its cheapest: the tests sign in a dozen times, and the production cost
    (about a second each on a busy 2-core box) is not what they are about."""
    monkeypatch.setattr(auth_service, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """A server with site 阳光花园, plumbers wang (1) and li (2), their accounts and a
    dispatcher; no tickets."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/e2e.db", solve_budget_ms=100,
                        debounce_ms=50, photo_dir=tmp_path / "photos",
                        secret_key="e2e-secret-key-0123456789abcdefghij")
    engine = Engine(settings)
    engine.create_user(UserCreate(username="disp", password="disp-pass", role="dispatcher"))
    with serving(engine) as url:
        yield from _signed_in(url, engine)


def _signed_in(url: str, engine: Engine) -> Iterator[Live]:
    res = httpx.post(f"{url}/api/v1/auth/login", json={"username": "disp",
                                                      "password": "disp-pass"})
    staff = httpx.Client(base_url=f"{url}/api/v1", timeout=10, headers={
        "Authorization": f"Bearer {res.json()['access_token']}"})
    live = Live(url, engine, staff)
    _seed(live)
    try:
        yield live
    finally:
        staff.close()


def _seed(live: Live) -> None:
    live.staff.put("/sites", json=SITE).raise_for_status()
    for name in ("wang", "li"):
        lat, lon = BUILDINGS["1号楼"]
        res = live.staff.post("/technicians", json={
            "name": name, "skills": ["plumber", "general"], "shift": ALL_DAY,
            "home": {"lat": lat, "lon": lon}})
        res.raise_for_status()
        live.ids[name] = res.json()["id"]
        live.staff.post("/users", json={"username": name, "password": f"{name}-pass",
                                        "role": "technician",
                                        "technician_id": live.ids[name]}).raise_for_status()


@pytest.fixture
def phone(browser: Any, live: Live) -> Iterator[Any]:
    """Make phone-sized browser contexts standing at a point, with location and alerts allowed;
    all closed before the server stops."""
    contexts = []

    def make(*, locale: str = "zh-CN", at: tuple[float, float] = BUILDINGS["3号楼"]) -> Any:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale=locale, geolocation={"latitude": at[0], "longitude": at[1]},
            permissions=["geolocation", "notifications"], base_url=live.url)
        # Waits end when their condition holds; the bound only matters on a loaded machine
        # (a page load took over 10 s here with chromium sharing one CPU with a simulation).
        context.set_default_timeout(30_000)
        _log_problems(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _log_problems(context: Any) -> None:
    """Print what the page refused or threw (pytest shows it when a test fails)."""
    context.on("response", lambda r: r.status >= 400 and print(
        "http:", r.status, r.request.method, r.url))
    context.on("weberror", lambda err: print("page error:", err.error))


def sign_in(page: Any, username: str) -> None:
    page.goto("/app/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-pass")
    page.click("#login button[type=submit]")
    page.wait_for_selector(".route")


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Save what the screen shows (the viewport: what a phone user sees) for a look by eye."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def png(width: int, height: int) -> bytes:
    """A real RGB PNG (a colour gradient), as a phone camera might hand the page a picture."""
    row = bytes(v for x in range(width) for v in (x * 255 // width, 90, 255 - x * 255 // width))
    raw = b"".join(b"\x00" + row for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise ValueError("no start-of-frame segment")
