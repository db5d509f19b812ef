"""An HTTP client on an app whose engine uses the manual clock, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine


@pytest.fixture
def app_engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    settings = Settings(database_url=database_url, solve_budget_ms=200, debounce_ms=0)
    engine = Engine(settings, clock=clock)
    yield engine
    engine.stop()
    engine.sessions.kw["bind"].dispose()


@pytest.fixture
def client(app_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=app_engine)) as c:
        yield c
