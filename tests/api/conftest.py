"""An HTTP client on the shared `engine` fixture (manual clock, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.engine import Engine


@pytest.fixture
def app_engine(engine: Engine) -> Engine:
    return engine


@pytest.fixture
def client(app_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=app_engine)) as c:
        yield c
