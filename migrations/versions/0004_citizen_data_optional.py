"""a booking's citizen data may be absent: an anonymous walk-in's ticket, or data erased under UU PDP

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00

Downgrading fails while any booking has no citizen data (NOT NULL cannot be restored over them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CITIZEN_COLUMNS = (
    ('citizen_nik_hash', sa.String(length=64)),
    ('citizen_nik_last4', sa.String(length=4)),
    ('citizen_name', sa.String(length=100)),
    ('citizen_phone', sa.String(length=20)),
)


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        for name, type_ in CITIZEN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        for name, type_ in CITIZEN_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
