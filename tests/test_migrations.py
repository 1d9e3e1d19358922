"""The schema is made only by the migrations, on SQLite and PostgreSQL alike, and matches the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from booking.migrate import downgrade, upgrade
from booking.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    from tests.conftest import POSTGRES_ADMIN_URL

    request.getfixturevalue("postgres_url")  # skips or fails exactly like the other PostgreSQL tests
    name = f"antrian_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_build_every_table_and_remove_them_again(empty_database):
    upgrade(empty_database)
    assert _tables(empty_database) == set(Base.metadata.tables)

    downgrade(empty_database, "base")
    assert _tables(empty_database) == set()

    upgrade(empty_database)  # and the way back up still works
    assert _tables(empty_database) == set(Base.metadata.tables)


def test_migrated_schema_matches_the_models(empty_database):
    upgrade(empty_database)
    engine = sa.create_engine(empty_database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision --autogenerate"
