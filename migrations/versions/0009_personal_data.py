"""citizens' data under UU PDP: the privacy notice agreed to, its erasure, a site's retention and contact

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00

Bookings made before this migration record no privacy notice (NULL). Sites get a retention of 90 days
and an empty contact (the notice then names the MPP's information desk). Downgrading drops these
columns; data already erased stays erased.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_ERASED = sa.text('personal_data_erased_at IS NULL')
CONTACT_KEPT_AFTER_ERASURE = sa.text(
    'personal_data_erased_at IS NOT NULL AND (citizen_phone IS NOT NULL OR citizen_email IS NOT NULL)'
)


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('personal_data_retention_days', sa.Integer(), server_default='90', nullable=False)
        )
        batch_op.add_column(sa.Column('privacy_contact', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_check_constraint('retention_range', 'personal_data_retention_days BETWEEN 1 AND 3650')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_notice_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('privacy_notice_accepted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(), nullable=True))
    op.create_index(
        'ix_bookings_awaiting_erasure', 'bookings', ['site_id', 'ends_at'], unique=False,
        sqlite_where=NOT_ERASED, postgresql_where=NOT_ERASED,
    )
    op.create_index(
        'ix_bookings_contact_kept', 'bookings', ['id'], unique=False,
        sqlite_where=CONTACT_KEPT_AFTER_ERASURE, postgresql_where=CONTACT_KEPT_AFTER_ERASURE,
    )
    # erasure empties a booking's Idempotency-Key rows: found by booking, not by scanning the table
    op.create_index(op.f('ix_idempotency_keys_booking_id'), 'idempotency_keys', ['booking_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotency_keys_booking_id'), table_name='idempotency_keys')
    op.drop_index('ix_bookings_contact_kept', table_name='bookings')
    op.drop_index('ix_bookings_awaiting_erasure', table_name='bookings')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('personal_data_erased_at')
        batch_op.drop_column('privacy_notice_accepted_at')
        batch_op.drop_column('privacy_notice_version')

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sites_retention_range'), type_='check')
        batch_op.drop_column('privacy_contact')
        batch_op.drop_column('personal_data_retention_days')
