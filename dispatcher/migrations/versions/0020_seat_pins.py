"""seat pins: an override may pin a crew ticket's partner place (member 2..N), not only its own

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.drop_column('member')
