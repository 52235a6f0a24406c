"""The outbox's due index ends with the id, so a claim takes rows due at the same moment in queue order

PostgreSQL keeps equal index keys in heap order, which is not insertion order once
space has been reused; one recipient's messages could then be claimed out of order.

Revision ID: 0013_outbox_due_index_id
Revises: 0012_bulletin_deliveries_index
Create Date: 2026-12-02 18:45:00
"""

from __future__ import annotations

from alembic import op

revision = '0013_outbox_due_index_id'
down_revision = '0012_bulletin_deliveries_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at'], unique=False)
