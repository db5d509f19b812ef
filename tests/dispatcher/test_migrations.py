"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import dispatcher.models  # noqa: F401
from dispatcher.db import Base, create_schema


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    create_schema(engine)
    create_schema(engine)  # a second start-up finds nothing to do
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"
    assert {"tickets", "technicians", "events", "plans", "overrides", "alembic_version"} <= tables
