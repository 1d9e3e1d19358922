"""Real databases for every test: SQLite and PostgreSQL, both built by the Alembic migrations.

PostgreSQL tests run when a server answers at ``BOOKING_TEST_POSTGRES_URL`` (default: the local one);
without one they are skipped with a message, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Base
from booking.settings import Settings
from tests.factories import FixedClock

POSTGRES_ADMIN_URL = os.environ.get("BOOKING_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure to connect means "not here"
        return f"{type(error).__name__}: {error}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test run, migrated to head, dropped at the end."""
    problem = _postgres_reachable()
    if problem:
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({problem})"
        if IN_CI:
            pytest.fail(message + " — CI=true requires it")
        pytest.skip(message)
    name = f"antrian_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "antrian.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "antrian.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    return url


def _truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    # catalogue_version keeps its row (emptying the tables gives it a new token): without it nothing is cached
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables if table.name != "catalogue_version")
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def db(database_url):
    database = Database(database_url, pool_size=20)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret",
        rate_limit_per_minute=0,
        public_url="http://antrian.test",
    )


@pytest.fixture
def client(settings, db, clock):
    with TestClient(create_app(settings, db=db, clock=clock)) as test_client:
        yield test_client
