"""Fixtures shared by the dispatcher and API tests: a controlled clock and real databases.

`database_url` runs a test on SQLite and on PostgreSQL (127.0.0.1:5432, database `test`), each
test in a schema of its own. Without PostgreSQL the PostgreSQL case is skipped, except under CI
(`CI` set), where it fails: CI must exercise the production database for real.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import Phase, settings
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine
from tests.live import launched_browser

SHANGHAI = ZoneInfo("Asia/Shanghai")

# `make mutate` runs with HYPOTHESIS_PROFILE=mutation: a mutant only needs to be caught, and
# shrinking each failing example made a mutant cost 10-40 s instead of 2.
settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate],
                          database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
PG_ADMIN_URL = os.environ.get(
    "DISPATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def unavailable(what: str, exc: Exception) -> None:
    """Skip locally, fail under CI, when a real service the test needs is not reachable."""
    message = f"{what} unreachable: {exc}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def clock() -> ManualClock:
    """Wednesday 25 November 2026, 09:00 in Shanghai: inside the day shifts."""
    return ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        unavailable("PostgreSQL", exc)
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Each test using this runs twice: on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/dispatch.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    """An engine on a real database with the manual clock; re-planning is explicit."""
    settings = Settings(database_url=database_url, solve_budget_ms=300, debounce_ms=0)
    eng = Engine(settings, clock=clock)
    yield eng
    eng.stop()
    eng.sessions.kw["bind"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright, shared by every browser test of the session
    (Playwright's sync API allows one running instance per thread)."""
    yield from launched_browser()
