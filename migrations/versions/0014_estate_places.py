"""Named places of an estate that are not buildings (gates, squares, garages …); estate-level tickets

estate_places: a named place with its kind and aliases, routed to its own grid (else the estate's);
estates.grid_id: the grid taking reports placed in the estate at no building;
tickets.estate_id / tickets.place_id: where an estate-level ticket is.

Revision ID: 0014_estate_places
Revises: 0013_outbox_due_index_id
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_estate_places'
down_revision = '0013_outbox_due_index_id'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('estate_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['estate_id'], ['estates.id'], name=op.f('fk_estate_places_estate_id_estates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_estate_places_grid_id_grids'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estate_places')),
    sa.UniqueConstraint('code', name=op.f('uq_estate_places_code')),
    sa.UniqueConstraint('estate_id', 'name', name=op.f('uq_estate_places_estate_id_name'))
    )
    with op.batch_alter_table('estate_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_estate_places_estate_id'), ['estate_id'], unique=False)

    with op.batch_alter_table('estates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_estates_grid_id_grids'), 'grids', ['grid_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('place_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_estate_id_estates'), 'estates', ['estate_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_tickets_place_id_estate_places'), 'estate_places', ['place_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_place_id_estate_places'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tickets_estate_id_estates'), type_='foreignkey')
        batch_op.drop_column('place_id')
        batch_op.drop_column('estate_id')

    with op.batch_alter_table('estates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_estates_grid_id_grids'), type_='foreignkey')
        batch_op.drop_column('grid_id')

    with op.batch_alter_table('estate_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_estate_places_estate_id'))

    op.drop_table('estate_places')
