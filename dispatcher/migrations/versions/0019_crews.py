"""crews: tickets that need several technicians together, and each partner's progress

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_STATUS = ('new', 'assigned', 'accepted', 'en_route', 'on_site', 'completed', 'closed',
           'cancelled', 'merged')
_SKILL = ('electrician', 'plumber', 'locksmith', 'elevator', 'fire', 'hvac', 'cleaning',
          'general')


def upgrade() -> None:
    when = dispatcher.db.UtcDateTime(timezone=True)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crew_size', sa.Integer(), server_default='1',
                                      nullable=False))
    op.create_table(
        'crew_members',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('member', sa.Integer(), nullable=False),
        sa.Column('skill', sa.Enum(*_SKILL, name='skill', native_enum=False, length=16),
                  nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum(*_STATUS, name='status', native_enum=False, length=16),
                  nullable=False),
        sa.Column('accepted_at', when, nullable=True),
        sa.Column('en_route_at', when, nullable=True),
        sa.Column('on_site_at', when, nullable=True),
        sa.Column('planned_eta', when, nullable=True),
        sa.Column('planned_start', when, nullable=True),
        sa.Column('planned_end', when, nullable=True),
        sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'],
                                name=op.f('fk_crew_members_technician_id_technicians')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_crew_members_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', 'member', name=op.f('pk_crew_members')),
    )
    with op.batch_alter_table('crew_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crew_members_technician_id'), ['technician_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('crew_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crew_members_technician_id'))
    op.drop_table('crew_members')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('crew_size')
