"""Alembic environment: runs on the connection the engine hands over (see dispatcher.db)."""

from __future__ import annotations

from alembic import context

import dispatcher.models  # noqa: F401  (registers every table)
from dispatcher.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
