"""delivery: outbox lease owner and delivery route, shared access tokens

Revision ID: 0002_delivery
Revises: 0001
Create Date: 2026-11-22 01:09:50.699030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0002_delivery'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_tokens',
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('expires_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('lock_owner', sa.String(length=128), nullable=True),
    sa.Column('lock_until', models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_access_tokens'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('delivered_via', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('delivered_via')
        batch_op.drop_column('lease_owner')

    op.drop_table('access_tokens')
