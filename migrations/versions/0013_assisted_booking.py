"""booking on someone's behalf: partner accounts (a kantor desa) and who made a booking

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 11:40:00

Accounts may now be partners (role 'partner', no agency); a booking made by a clerk or a partner for a
citizen names that account (bookings.booked_by_account_id, NULL for everything booked before: the citizen
booked it). Downgrading drops the column; partner accounts must be removed first (the old role check cannot hold them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_users_role_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_staff_users_staff_have_an_agency'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('admin', 'staff', 'partner')")
        batch_op.create_check_constraint('staff_have_an_agency', "role <> 'staff' OR agency_id IS NOT NULL")
    # SQLite rebuilds the table (batch mode); its partial indexes are reflected with their WHERE and made again.
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_by_account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_bookings_booked_by_account_id_staff_users'), 'staff_users',
            ['booked_by_account_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_booked_by_account_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('booked_by_account_id')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_users_staff_have_an_agency'), type_='check')
        batch_op.drop_constraint(op.f('ck_staff_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('admin', 'staff')")
        batch_op.create_check_constraint('staff_have_an_agency', "role = 'admin' OR agency_id IS NOT NULL")
