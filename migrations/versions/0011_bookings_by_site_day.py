"""bookings by site and local day: the daily report reads its own days, not the site's whole history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:10:00

Bookings stay after their personal data is erased, so a site's history only grows; without this index the
report's query read every booking of the site and dropped those outside the range (BENCHMARKS.md, the daily
report).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_bookings_site_local_date', 'bookings', ['site_id', 'local_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bookings_site_local_date', table_name='bookings')
