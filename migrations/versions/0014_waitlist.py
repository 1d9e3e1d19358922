"""waiting list with automatic backfill: entries per citizen, service and day; places held for offers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:30:00

Sites get ``waitlist_hold_minutes`` (30). Bookings get ``held_until`` (NULL for every existing booking:
none is a held offer). Downgrading drops the waiting lists; a place still held becomes an ordinary
booking of its citizen, so expire or accept the offers first if that matters.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text('held_until IS NOT NULL')


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlist_hold_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint('waitlist_hold_range', 'waitlist_hold_minutes BETWEEN 5 AND 240')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_until', sa.DateTime(), nullable=True))
    op.create_index(
        'ix_bookings_held_until', 'bookings', ['held_until'], unique=False, sqlite_where=HELD, postgresql_where=HELD
    )
    op.create_table(
        'waitlist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('citizen_nik_hash', sa.String(length=64), nullable=False),
        sa.Column('citizen_nik_last4', sa.String(length=4), nullable=False),
        sa.Column('citizen_name', sa.String(length=100), nullable=False),
        sa.Column('citizen_phone', sa.String(length=20), nullable=False),
        sa.Column('citizen_email', sa.String(length=254), nullable=True),
        sa.Column('channels', sa.JSON(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('privacy_notice_version', sa.String(length=16), nullable=True),
        sa.Column('hold_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('offered_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'offered')", name=op.f('ck_waitlist_entries_status_known')),
        sa.ForeignKeyConstraint(['hold_id'], ['bookings.id'], name=op.f('fk_waitlist_entries_hold_id_bookings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_waitlist_entries_service_id_services'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_waitlist_entries_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
        sa.UniqueConstraint('public_id', name=op.f('uq_waitlist_entries_public_id')),
        sa.UniqueConstraint('service_id', 'local_date', 'citizen_nik_hash',
                            name=op.f('uq_waitlist_entries_service_id_local_date_citizen_nik_hash')),
    )  # fmt: skip
    op.create_index(op.f('ix_waitlist_entries_hold_id'), 'waitlist_entries', ['hold_id'], unique=False)
    op.create_index(
        'ix_waitlist_entries_service_id_local_date_status', 'waitlist_entries', ['service_id', 'local_date', 'status']
    )
    op.create_index('ix_waitlist_entries_site_id_local_date', 'waitlist_entries', ['site_id', 'local_date'])


def downgrade() -> None:
    op.drop_table('waitlist_entries')
    op.drop_index('ix_bookings_held_until', table_name='bookings')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('held_until')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sites_waitlist_hold_range'), type_='check')
        batch_op.drop_column('waitlist_hold_minutes')
