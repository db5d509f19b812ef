"""An HTTP client on the shared `engine` fixture (manual clock, SQLite and PostgreSQL), signed in
as a dispatcher; `anonymous` is the same app without a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dispatcher.engine import Engine
from tests.accounts import bearer


@pytest.fixture
def app_engine(engine: Engine) -> Engine:
    return engine


@pytest.fixture
def client(app_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=app_engine)) as c:
        c.headers.update(bearer(app_engine))
        yield c


@pytest.fixture
def anonymous(app_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=app_engine)) as c:
        yield c
