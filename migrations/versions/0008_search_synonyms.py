"""search synonyms per site: the ways citizens write a service ("ektp" for "ktp", "akte" for "akta")

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

Downgrading drops the synonyms: search then finds services by the words of their names only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('search_synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.Column('means', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_search_synonyms_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    sa.UniqueConstraint('site_id', 'term', 'means', name=op.f('uq_search_synonyms_site_id_term_means'))
    )


def downgrade() -> None:
    op.drop_table('search_synonyms')
