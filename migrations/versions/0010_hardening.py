"""hardening: binding attempts log, API token expiry/revocation, indexes on who reported and who acted

Revision ID: 0010_hardening
Revises: 0009_urgent_acks
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0010_hardening'
down_revision = '0009_urgent_acks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bind_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender', sa.String(length=160), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['bind_codes.id'], name=op.f('fk_bind_attempts_code_id_bind_codes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_bind_attempts_person_id_persons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bind_attempts'))
    )
    with op.batch_alter_table('bind_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bind_attempts_at'), ['at'], unique=False)
        batch_op.create_index('ix_bind_attempts_sender_at', ['sender', 'at'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('password_stamp', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('label', sa.String(length=64), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_api_tokens_admin_id'), ['admin_id'], unique=False)
    # Tokens issued before this revision keep working until their user's password changes.
    conn = op.get_bind()
    users = dict(conn.execute(sa.text("SELECT id, password_hash FROM admin_users")).all())
    for token_id, admin_id in conn.execute(sa.text("SELECT id, admin_id FROM api_tokens")).all():
        stamp = hashlib.sha256(f"{admin_id}:{users.get(admin_id, '')}".encode()).hexdigest()[:24]
        conn.execute(sa.text("UPDATE api_tokens SET password_stamp = :stamp WHERE id = :id"),
                     {"stamp": stamp, "id": token_id})

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_reporter_id'), ['reporter_id'], unique=False)
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_actor_id'), ['actor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_actor_id'))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_reporter_id'))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_admin_id'))
        batch_op.drop_column('label')
        batch_op.drop_column('password_stamp')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('bind_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_bind_attempts_sender_at')
        batch_op.drop_index(batch_op.f('ix_bind_attempts_at'))
    op.drop_table('bind_attempts')
