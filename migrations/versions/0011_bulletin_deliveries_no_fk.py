"""bulletin_deliveries without foreign keys (checked per row, a quarter of a 100,000-row fan-out)

Revision ID: 0011_bulletin_deliveries_no_fk
Revises: 0010_hardening
Create Date: 2026-12-02 13:35:00
"""

from __future__ import annotations

from alembic import op

revision = '0011_bulletin_deliveries_no_fk'
down_revision = '0010_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bulletin_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('fk_bulletin_deliveries_run_id_bulletin_runs', type_='foreignkey')
        batch_op.drop_constraint('fk_bulletin_deliveries_series_id_bulletin_series', type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('bulletin_deliveries', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_bulletin_deliveries_series_id_bulletin_series', 'bulletin_series',
                                    ['series_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_bulletin_deliveries_run_id_bulletin_runs', 'bulletin_runs',
                                    ['run_id'], ['id'], ondelete='CASCADE')
