"""urgent tickets: alerts acknowledged by a person (ticket_alerts), ambiguous emergencies asked (urgent_checks)

Revision ID: 0009_urgent_acks
Revises: 0008_consultations_facts
Create Date: 2026-12-02 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0009_urgent_acks'
down_revision = '0008_consultations_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('rung', sa.String(length=16), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('alerted_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('acknowledged_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('via', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_ticket_alerts_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_alerts_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_alerts')),
    sa.UniqueConstraint('ticket_id', 'person_id', name=op.f('uq_ticket_alerts_ticket_id_person_id'))
    )
    with op.batch_alter_table('ticket_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_alerts_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('urgent_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('situation', sa.String(length=32), nullable=False),
    sa.Column('frame', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('strong_words', sa.Boolean(), nullable=False),
    sa.Column('place', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('asked_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('due_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_urgent_checks_person_id_persons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_urgent_checks_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_checks'))
    )
    with op.batch_alter_table('urgent_checks', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_checks_due', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('ack_due_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('ack_round', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_tickets_ack_due', ['ack_due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_ack_due')
        batch_op.drop_column('ack_round')
        batch_op.drop_column('ack_due_at')
        batch_op.drop_column('acknowledged_at')

    with op.batch_alter_table('urgent_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_urgent_checks_due')

    op.drop_table('urgent_checks')
    with op.batch_alter_table('ticket_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_alerts_ticket_id'))

    op.drop_table('ticket_alerts')
