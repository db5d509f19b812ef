"""equipment alarm devices and the alarms they sent

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatcher.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('kind', sa.Enum('elevator_alarm', 'fire_panel', 'water_pressure', 'power',
                                  name='devicekind', native_enum=False, length=24),
                  nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('created_at', dispatcher.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', dispatcher.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['asset_id'], ['assets.id'],
                                name=op.f('fk_devices_asset_id_assets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_asset_id'), ['asset_id'], unique=False)
    op.create_table(
        'alarms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.Enum('raised', 'cleared', name='alarmevent', native_enum=False,
                                   length=16), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('sent_at', dispatcher.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('received_at', dispatcher.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('signature', sa.String(length=71), nullable=False),
        sa.Column('outcome', sa.Enum('opened', 'merged', 'cancelled', 'noted', name='outcome',
                                     native_enum=False, length=16), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                name=op.f('fk_alarms_device_id_devices')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_alarms_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alarms')),
        sa.UniqueConstraint('device_id', 'signature', name='uq_alarms_signature'),
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alarms_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alarms_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table('alarms')
    op.drop_table('devices')
