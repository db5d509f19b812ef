"""complaints: a resident's complaint, its three deadlines and the desk's answers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = dispatcher.db.UtcDateTime(timezone=True)
    op.create_table(
        'complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.String(length=64), nullable=False),
        sa.Column('building', sa.String(length=64), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.Enum('facility', 'sanitation', 'noise', 'security', 'parking',
                                   'service', 'other', name='complainttopic',
                                   native_enum=False, length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('state', sa.Enum('open', 'acknowledged', 'explained', 'closed',
                                   name='complaintstate', native_enum=False, length=16),
                  nullable=False),
        sa.Column('made_at', when, nullable=False),
        sa.Column('acknowledge_by', when, nullable=False),
        sa.Column('explain_by', when, nullable=False),
        sa.Column('close_by', when, nullable=False),
        sa.Column('acknowledged_at', when, nullable=True),
        sa.Column('explained_at', when, nullable=True),
        sa.Column('closed_at', when, nullable=True),
        sa.Column('handled_by', sa.String(length=64), nullable=True),
        sa.Column('explanation', sa.Text(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    )
    op.create_index(op.f('ix_complaints_site_id'), 'complaints', ['site_id'], unique=False)
    op.create_index(op.f('ix_complaints_state'), 'complaints', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_complaints_state'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_site_id'), table_name='complaints')
    op.drop_table('complaints')
