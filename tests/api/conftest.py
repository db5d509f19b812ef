"""An HTTP client on an app whose engine uses an SQLite file and the manual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.clock import ManualClock
from dispatcher.config import Settings
from dispatcher.engine import Engine


@pytest.fixture
def app_engine(tmp_path, clock: ManualClock) -> Engine:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/api.db", solve_budget_ms=200,
                        debounce_ms=0)
    return Engine(settings, clock=clock)


@pytest.fixture
def client(app_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=app_engine)) as c:
        yield c
