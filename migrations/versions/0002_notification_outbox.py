"""notification outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:34:44.978052
"""

from collections.abc import Sequence

import datetime as dt

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'email', 'whatsapp')", name=op.f('ck_notifications_channel_known')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_notifications_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notifications_attempts_not_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_notifications_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('booking_id', 'kind', 'channel', 'revision', name=op.f('uq_notifications_booking_id_kind_channel_revision'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_notifications_status_send_at', ['status', 'send_at'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_day_before_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('reminder_soon_minutes', sa.Integer(), nullable=True))
    # Sites that exist already get the same reminder defaults as new ones.
    sites = sa.table('sites', sa.column('reminder_day_before_at', sa.Time()), sa.column('reminder_soon_minutes'))
    op.execute(sites.update().values(reminder_day_before_at=dt.time(16), reminder_soon_minutes=120))


def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('reminder_soon_minutes')
        batch_op.drop_column('reminder_day_before_at')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_status_send_at')
        batch_op.drop_index(batch_op.f('ix_notifications_booking_id'))

    op.drop_table('notifications')
