"""a visit of several services, or of a family, under one code

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:30:00

Sites get ``family_max`` (4: how many citizens one visit may book together) and ``visit_walk_minutes``
(10: the margin between one step of a visit and the next). Bookings get ``visit_lead_id``: the booking
whose code and manage link stand for the whole visit (its own id on the lead; NULL for every booking made
alone, which is all of them before this revision). Downgrading drops the link: each member stays an
ordinary booking of its own (with a manage link nobody was ever sent).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_max", sa.Integer(), server_default="4", nullable=False))
        batch_op.add_column(sa.Column("visit_walk_minutes", sa.Integer(), server_default="10", nullable=False))
        batch_op.create_check_constraint("family_max_range", "family_max BETWEEN 1 AND 10")
        batch_op.create_check_constraint("visit_walk_range", "visit_walk_minutes BETWEEN 0 AND 120")
    # SQLite rebuilds the table (batch mode); its partial indexes are reflected with their WHERE and made again.
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_visit_lead_id_bookings"),
            "bookings",
            ["visit_lead_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_bookings_visit_lead_id"), "bookings", ["visit_lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bookings_visit_lead_id"), table_name="bookings")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_bookings_visit_lead_id_bookings"), type_="foreignkey")
        batch_op.drop_column("visit_lead_id")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sites_visit_walk_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_sites_family_max_range"), type_="check")
        batch_op.drop_column("visit_walk_minutes")
        batch_op.drop_column("family_max")
