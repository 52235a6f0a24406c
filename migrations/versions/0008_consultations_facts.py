"""consultations (人工 hand-over) and the community's own facts

Revision ID: 0008_consultations_facts
Revises: 0007_reminders
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0008_consultations_facts'
down_revision = '0007_reminders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('last_message_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_consultations_community_id_communities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_consultations_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
    sa.UniqueConstraint('number', name=op.f('uq_consultations_number'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_status'), ['status'], unique=False)

    op.create_table('consultation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.Column('from_resident', sa.Boolean(), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['persons.id'], name=op.f('fk_consultation_messages_author_id_persons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_messages_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_messages'))
    )
    with op.batch_alter_table('consultation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_messages_consultation_id'), ['consultation_id'], unique=False)

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_address', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('office_hours', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('after_hours_phone', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('grid_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_phone', sa.String(length=32), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('grid_members', schema=None) as batch_op:
        batch_op.drop_column('public_phone')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('after_hours_phone')
        batch_op.drop_column('office_hours')
        batch_op.drop_column('phone')
        batch_op.drop_column('office_address')
    op.drop_table('consultation_messages')
    op.drop_table('consultations')
