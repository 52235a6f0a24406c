"""bulletin_deliveries keeps only its unique key (a run's rows are found through its leading columns)

Revision ID: 0012_bulletin_deliveries_index
Revises: 0011_bulletin_deliveries_no_fk
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

from alembic import op

revision = '0012_bulletin_deliveries_index'
down_revision = '0011_bulletin_deliveries_no_fk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bulletin_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletin_deliveries_run')


def downgrade() -> None:
    with op.batch_alter_table('bulletin_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_bulletin_deliveries_run', ['run_id', 'status'], unique=False)
