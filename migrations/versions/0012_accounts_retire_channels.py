"""running a real MPP: staff accounts that can be disabled, retired services and agencies, channels per
site, closures for part of a day

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00

Every existing account, service and agency stays active; every site keeps offering all three channels
(what it did before); existing closures keep closing whole days. Downgrading drops the columns: retired services and disabled accounts become
active again, so retire or disable them by other means first if that matters.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_CHANNELS = '["sms", "email", "whatsapp"]'


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.JSON(), server_default=ALL_CHANNELS, nullable=False))
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('until_time', sa.Time(), nullable=True))
        batch_op.create_check_constraint(
            'hours_ordered', 'starts_on < ends_on OR from_time IS NULL OR until_time IS NULL OR from_time < until_time'
        )


def downgrade() -> None:
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_closures_hours_ordered'), type_='check')
        batch_op.drop_column('until_time')
        batch_op.drop_column('from_time')
    for table in ('sites',):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('channels')
    for table in ('agencies', 'services', 'staff_users'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('active')
