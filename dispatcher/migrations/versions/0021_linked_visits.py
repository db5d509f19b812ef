"""linked visits: a ticket may follow another (not before it is completed plus a delay,
optionally by the same technician)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follows_delay_min', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('follows_same_technician', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_tickets_follows_id'), ['follows_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_follows_id_tickets'), 'tickets',
                                    ['follows_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_follows_id_tickets'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tickets_follows_id'))
        batch_op.drop_column('follows_same_technician')
        batch_op.drop_column('follows_delay_min')
        batch_op.drop_column('follows_id')
