"""The restore drill of docs/operations.md, performed: back up, drop the database, restore, and what citizens
hold still works: the manage link opens the booking, and the same NIK cannot book the same service twice
that day. A restore under another secret key is refused before anything is written."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from litestar.testing import TestClient

from booking.cli import main
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import TOMORROW, FixedClock, at, booking_body, make_site

pytestmark = pytest.mark.postgresql
SECRET = "the-key-kept-in-the-safe-beside-the-backups"


@pytest.fixture
def drill_database(postgres_url):
    """A database of this test's own (the drill drops it), migrated, and its URL."""
    name = f"antrian_drill_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)

    def recreate_empty() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    yield url, recreate_empty
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def api(url: str, tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", database_url=url, secret_key=SECRET, public_url="https://a.test")
    db = Database(url)
    return TestClient(create_app(settings, db=db, clock=FixedClock())), db


def booking_command(args: list[str], url: str, tmp_path: Path, secret: str = SECRET):
    env = {"BOOKING_DATABASE_URL": url, "BOOKING_SECRET_KEY": secret, "BOOKING_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_dump_drop_restore_and_the_manage_link_and_the_nik_rule_still_work(drill_database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, recreate_empty = drill_database
    seed = Database(url)
    make_site(seed)
    seed.dispose()
    client, db = api(url, tmp_path)
    with client:
        made = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), n=7)).json()
    db.dispose()

    backed_up = booking_command(["backup", str(tmp_path / "backups")], url, tmp_path)
    assert backed_up.exit_code == 0, backed_up.output
    dump = next((tmp_path / "backups").glob("antrian-*.dump"))
    manifest = json.loads(dump.with_name(dump.name + ".json").read_text())
    assert manifest["bookings"] == 1 and manifest["database"] == "postgresql"
    assert SECRET not in dump.with_name(dump.name + ".json").read_text() and SECRET.encode() not in dump.read_bytes()

    recreate_empty()  # the disaster
    not_yet, db = api(url, tmp_path)
    with pytest.raises(sa.exc.ProgrammingError), db.read() as session:
        session.execute(sa.text("SELECT count(*) FROM bookings"))
    db.dispose()

    wrong_key = booking_command(["restore", str(dump)], url, tmp_path, secret="a-new-key-made-in-a-hurry")
    assert wrong_key.exit_code == 1 and "not the key this backup was made with" in wrong_key.output
    restored = booking_command(["restore", str(dump)], url, tmp_path)
    assert restored.exit_code == 0, restored.output
    again = booking_command(["restore", str(dump)], url, tmp_path)
    assert again.exit_code == 1 and "restore into an empty one" in again.output  # never overwrites

    client, db = api(url, tmp_path)
    with client:
        shown = client.get(f"/api/v1/bookings/{made['code']}", headers={"X-Booking-Token": made["manage_token"]})
        assert shown.status_code == 200 and shown.json()["status"] == "confirmed"
        twice = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 11), n=7))
        assert twice.status_code == 409 and twice.json()["code"] == "duplicate_booking"
        other = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 11), n=8))
        assert other.status_code == 201, other.text  # the restored database takes bookings
    db.dispose()
    checked = booking_command(["db", "check"], url, tmp_path)
    assert checked.exit_code == 0, checked.output


def test_a_sqlite_backup_restores_into_a_new_file_only(tmp_path, monkeypatch, sqlite_template):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    (tmp_path / "live.db").write_bytes(sqlite_template.read_bytes())
    assert booking_command(["backup", str(tmp_path / "backups")], url, tmp_path).exit_code == 0
    copy = next((tmp_path / "backups").glob("antrian-*.db"))
    onto_live = booking_command(["restore", str(copy)], url, tmp_path)
    assert onto_live.exit_code == 1 and "move it away first" in onto_live.output
    fresh = f"sqlite:///{tmp_path / 'restored' / 'antrian.db'}"
    assert booking_command(["restore", str(copy)], fresh, tmp_path).exit_code == 0
    assert booking_command(["db", "check"], fresh, tmp_path).exit_code == 0
