"""reminders: residents' and staff reminders, swept by due time

Revision ID: 0007_reminders
Revises: 0006_admin_ui
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base


revision = '0007_reminders'
down_revision = '0006_admin_ui'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=True),
    sa.Column('audience_kind', sa.String(length=16), nullable=True),
    sa.Column('audience_code', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('repeat', sa.JSON(), nullable=True),
    sa.Column('event_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('lead_minutes', sa.Integer(), nullable=True),
    sa.Column('series', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('next_due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('last_due_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('channel', 'account', 'recipient', 'number',
                        name=op.f('uq_reminders_channel_account_recipient_number'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_due', ['status', 'next_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_series'), ['series'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_series'))
        batch_op.drop_index('ix_reminders_due')
    op.drop_table('reminders')
