"""the SKM satisfaction survey (PermenPANRB 14/2017): a survey per visit, its one answer, the link's lifetime

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:00:00

Sites get ``survey_link_days`` (7). Visits served before this migration have no survey. Downgrading
drops the surveys and their answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ELEMENTS = range(1, 10)


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_link_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.create_check_constraint('survey_link_days_range', 'survey_link_days BETWEEN 1 AND 90')

    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('visit_date', sa.Date(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_surveys_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_surveys_booking_id_bookings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_surveys_service_id_services'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_surveys_site_id_sites'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
        sa.UniqueConstraint('booking_id', name=op.f('uq_surveys_booking_id')),
        sa.UniqueConstraint('public_id', name=op.f('uq_surveys_public_id')),
    )
    op.create_index(op.f('ix_surveys_agency_id'), 'surveys', ['agency_id'], unique=False)
    op.create_index('ix_surveys_site_id_visit_date', 'surveys', ['site_id', 'visit_date'], unique=False)

    op.create_table(
        'survey_answers',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        *[sa.Column(f'u{n}', sa.Integer(), nullable=False) for n in ELEMENTS],
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        *[sa.CheckConstraint(f'u{n} BETWEEN 1 AND 4', name=op.f(f'ck_survey_answers_u{n}_range')) for n in ELEMENTS],
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_answers_survey_id_surveys'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_survey_answers')),
    )


def downgrade() -> None:
    op.drop_table('survey_answers')
    op.drop_index('ix_surveys_site_id_visit_date', table_name='surveys')
    op.drop_index(op.f('ix_surveys_agency_id'), table_name='surveys')
    op.drop_table('surveys')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sites_survey_link_days_range'), type_='check')
        batch_op.drop_column('survey_link_days')
