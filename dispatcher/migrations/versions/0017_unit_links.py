"""unit links: the resident's QR code, one per unit, signed and revocable

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unit_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.String(length=64), nullable=False),
        sa.Column('building', sa.String(length=64), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('created_at', dispatcher.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', dispatcher.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', dispatcher.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_links')),
    )
    op.create_index('ix_unit_links_unit', 'unit_links', ['site_id', 'building', 'unit'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_unit_links_unit', table_name='unit_links')
    op.drop_table('unit_links')
