"""duplicate reports: the proposal, its reason, and the ticket a merged report joined

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_candidate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_duplicate_candidate'),
                              ['duplicate_candidate'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_duplicate_of'), ['duplicate_of'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_duplicate_candidate_tickets'),
                                    'tickets', ['duplicate_candidate'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_tickets_duplicate_of_tickets'),
                                    'tickets', ['duplicate_of'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_duplicate_of_tickets'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tickets_duplicate_candidate_tickets'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tickets_duplicate_of'))
        batch_op.drop_index(batch_op.f('ix_tickets_duplicate_candidate'))
        batch_op.drop_column('duplicate_of')
        batch_op.drop_column('duplicate_reason')
        batch_op.drop_column('duplicate_candidate')
