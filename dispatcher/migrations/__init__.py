"""Alembic migrations: the schema's history, applied at start-up on SQLite and PostgreSQL."""
