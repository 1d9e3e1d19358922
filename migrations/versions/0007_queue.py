"""the queue on the floor: tickets, ticket numbers, agencies' ticket prefixes, sites' arrival rules

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 23:00:00

Existing agencies get a ticket prefix: the letters their services' codes begin with (DKP for DKP-01)
where that is unique in the site, else the first free letters A, B, ... Z, AA, AB, ...
Downgrading drops every ticket.
"""

import itertools
import re
import string
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_AT_COUNTER = sa.text("status IN ('called', 'serving')")


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrival_early_minutes', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('arrival_late_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('turn_soon_places', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('recalls_before_missed', sa.Integer(), server_default='2', nullable=False))

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_prefix', sa.String(length=4), nullable=True))
    _give_agencies_prefixes(op.get_bind())
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.alter_column('ticket_prefix', existing_type=sa.String(length=4), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_agencies_site_id_ticket_prefix'), ['site_id', 'ticket_prefix'])

    op.create_table('ticket_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_ticket_numbers_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_numbers')),
    sa.UniqueConstraint('agency_id', 'local_date', name=op.f('uq_ticket_numbers_agency_id_local_date'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('leg', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('comebacks', sa.Integer(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('last_called_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('missed_at', sa.DateTime(), nullable=True),
    sa.Column('transferred', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("kind IN ('booked', 'walk_in')", name=op.f('ck_tickets_kind_known')),
    sa.CheckConstraint("status IN ('waiting', 'called', 'serving', 'done', 'missed')", name=op.f('ck_tickets_status_known')),
    sa.CheckConstraint("status NOT IN ('called', 'serving') OR counter_id IS NOT NULL", name=op.f('ck_tickets_called_to_a_counter')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_tickets_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_tickets_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_tickets_counter_id_counters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_tickets_service_id_services'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_tickets_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('booking_id', 'leg', name=op.f('uq_tickets_booking_id_leg')),
    sa.UniqueConstraint('site_id', 'local_date', 'prefix', 'number', 'leg', name=op.f('uq_tickets_site_id_local_date_prefix_number_leg'))
    )
    op.create_index('ix_tickets_agency_day_status', 'tickets', ['agency_id', 'local_date', 'status'], unique=False)
    op.create_index('uq_tickets_counter_active', 'tickets', ['counter_id'], unique=True,
                    sqlite_where=ACTIVE_AT_COUNTER, postgresql_where=ACTIVE_AT_COUNTER)


def downgrade() -> None:
    op.drop_index('uq_tickets_counter_active', table_name='tickets',
                  sqlite_where=ACTIVE_AT_COUNTER, postgresql_where=ACTIVE_AT_COUNTER)
    op.drop_index('ix_tickets_agency_day_status', table_name='tickets')
    op.drop_table('tickets')
    op.drop_table('ticket_numbers')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_agencies_site_id_ticket_prefix'), type_='unique')
        batch_op.drop_column('ticket_prefix')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('recalls_before_missed')
        batch_op.drop_column('turn_soon_places')
        batch_op.drop_column('arrival_late_minutes')
        batch_op.drop_column('arrival_early_minutes')


def _give_agencies_prefixes(connection) -> None:
    agencies = connection.execute(sa.text('SELECT id, site_id FROM agencies ORDER BY site_id, sort_order, id')).all()
    codes = connection.execute(sa.text('SELECT agency_id, code FROM services ORDER BY code')).all()
    first_code = {}
    for agency_id, code in codes:
        first_code.setdefault(agency_id, code)
    taken: dict[int, set[str]] = {}
    for agency_id, site_id in agencies:
        used = taken.setdefault(site_id, set())
        letters = re.match(r'[A-Za-z]{1,4}', first_code.get(agency_id, ''))
        prefix = letters.group(0).upper() if letters else ''
        if not prefix or prefix in used:
            prefix = next(candidate for candidate in _letter_sequence() if candidate not in used)
        used.add(prefix)
        connection.execute(sa.text('UPDATE agencies SET ticket_prefix = :p WHERE id = :id'), {'p': prefix, 'id': agency_id})


def _letter_sequence():
    for length in (1, 2, 3):
        for letters in itertools.product(string.ascii_uppercase, repeat=length):
            yield ''.join(letters)
