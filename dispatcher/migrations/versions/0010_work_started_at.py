"""when the current stint of work on site began, apart from the first arrival

A technician called away from work for an emergency comes back later: `on_site_at` keeps his
first arrival (the SLA's), `work_started_at` the start of the stint in progress.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 11:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_started_at', dispatcher.db.UtcDateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE tickets SET work_started_at = on_site_at WHERE on_site_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('work_started_at')
