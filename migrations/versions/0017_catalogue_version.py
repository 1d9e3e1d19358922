"""the catalogue's version: a token every change to sites, agencies, services, counters, their services,
opening rules and closures replaces, so that a process may keep copies of them and know when they are stale

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:00:00

Triggers replace the token in the transaction that changes a catalogue table (insert, update, delete, and on
PostgreSQL truncate), whoever makes the change: the API, the admin pages, the importer, a migration or a
psql session. The token is random rather than a counter, so two databases (or one made again) never share
one. SQLite drops a table's triggers when a batch migration rebuilds it: a later migration that rebuilds a
catalogue table must call ``create_triggers`` again (tests/test_rules_cache.py fails if a trigger is
missing).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# booking.rules_cache.CATALOGUE_TABLES, written out: a migration must not change when the code does
TABLES = ("sites", "agencies", "services", "counters", "counter_services", "opening_rules", "closures")
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute("INSERT INTO catalogue_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()))")
        op.execute(
            "CREATE FUNCTION new_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE catalogue_version SET token = md5(random()::text || clock_timestamp()); RETURN NULL; END $$"
        )
    else:
        op.execute("INSERT INTO catalogue_version (id, token) VALUES (1, lower(hex(randomblob(16))))")
    create_triggers(TABLES)


def create_triggers(tables: Sequence[str]) -> None:
    for table in tables:
        if op.get_context().dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_new_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION new_catalogue_version()"
            )
            continue
        for event in SQLITE_EVENTS:  # SQLite: row triggers only
            op.execute(
                f"CREATE TRIGGER {table}_{event}_new_catalogue_version AFTER {event.upper()} ON {table} "
                "BEGIN UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END"
            )


def downgrade() -> None:
    for table in TABLES:
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_new_catalogue_version ON {table}")
        else:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER {table}_{event}_new_catalogue_version")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION new_catalogue_version()")
    op.drop_table("catalogue_version")
