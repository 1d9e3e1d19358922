"""waiting lists over several days: an entry waits for the first free place from its day to its last day

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:20:00

``waitlist_entries.last_date`` is the last day an entry waits for (its ``local_date`` is the first); every
existing entry waited for one day, so it gets its own day. Downgrading keeps each entry's first day only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_date', sa.Date(), nullable=True))
    op.execute('UPDATE waitlist_entries SET last_date = local_date')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.alter_column('last_date', existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint('days_in_order', 'last_date >= local_date')


def downgrade() -> None:
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_waitlist_entries_days_in_order'), type_='check')
        batch_op.drop_column('last_date')
