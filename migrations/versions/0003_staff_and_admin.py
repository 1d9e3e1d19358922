"""staff accounts, audit log, walk-in share, counter work

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:55:00

Downgrading loses data: staff accounts, the audit log, walk-in shares and the walk-in mark of bookings
(walk-ins then look like online bookings, and `booking db check` reports their days' quota rows).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role = 'admin' OR agency_id IS NOT NULL", name=op.f('ck_staff_users_staff_have_an_agency')),
    sa.CheckConstraint("role IN ('admin', 'staff')", name=op.f('ck_staff_users_role_known')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_staff_users_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_staff_users_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_audit_log_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_site_id_at', 'audit_log', ['site_id', 'at'], unique=False)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_grace_minutes', sa.Integer(), server_default='30', nullable=False))

    with op.batch_alter_table('opening_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in_places', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('walk_in_share_within_capacity', 'walk_in_places BETWEEN 0 AND capacity')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('served_at', sa.DateTime(), nullable=True))

    # Every place taken so far was taken online, and no place was held back for walk-ins yet.
    with op.batch_alter_table('slot_loads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_capacity', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('online_booked', sa.Integer(), server_default='0', nullable=False))
    op.execute('UPDATE slot_loads SET online_capacity = capacity, online_booked = booked')
    with op.batch_alter_table('slot_loads', schema=None) as batch_op:
        batch_op.alter_column('online_capacity', server_default=None)
        batch_op.alter_column('online_booked', server_default=None)
        batch_op.create_check_constraint('online_within_booked', 'online_booked >= 0 AND online_booked <= booked')


def downgrade() -> None:
    with op.batch_alter_table('slot_loads', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_slot_loads_online_within_booked'), type_='check')
        batch_op.drop_column('online_booked')
        batch_op.drop_column('online_capacity')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('served_at')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('walk_in')

    with op.batch_alter_table('opening_rules', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_opening_rules_walk_in_share_within_capacity'), type_='check')
        batch_op.drop_column('walk_in_places')

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('no_show_grace_minutes')

    op.drop_index('ix_audit_log_site_id_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('staff_users')
