"""inspection rounds: a plan's checklist and the answers given on site

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('maintenance_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist', sa.JSON(), nullable=False,
                                      server_default='[]'))
    op.create_table(
        'inspection_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('item', sa.JSON(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('abnormal', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        sa.Column('raised_ticket_id', sa.Integer(), nullable=True),
        sa.Column('answered_by', sa.String(length=64), nullable=False),
        sa.Column('answered_at', dispatcher.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['photo_id'], ['photos.id'],
                                name=op.f('fk_inspection_answers_photo_id_photos')),
        sa.ForeignKeyConstraint(['raised_ticket_id'], ['tickets.id'],
                                name=op.f('fk_inspection_answers_raised_ticket_id_tickets')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_inspection_answers_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_answers')),
        sa.UniqueConstraint('ticket_id', 'key', name=op.f('uq_inspection_answers_ticket_id')),
    )
    with op.batch_alter_table('inspection_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_answers_ticket_id'), ['ticket_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_answers_raised_ticket_id'),
                              ['raised_ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inspection_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_answers_raised_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_answers_ticket_id'))
    op.drop_table('inspection_answers')
    with op.batch_alter_table('maintenance_plans', schema=None) as batch_op:
        batch_op.drop_column('checklist')
