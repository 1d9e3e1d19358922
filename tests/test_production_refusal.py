"""``BOOKING_ENVIRONMENT=production`` refuses to start with what only fits a demo, and says what to change.

Each command runs as an operator runs it (the ``booking`` command line, its settings from the environment),
on a real database. A refused command exits 1 before starting anything; a production deployment set up
right starts and answers.
"""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from booking.cli import main
from booking.models import Site
from tests.factories import TOMORROW, at, booking_body, make_site
from tests.server import running_server

GOOD = {
    "BOOKING_ENVIRONMENT": "production",
    "BOOKING_PUBLIC_URL": "https://antrian.mpp-uji.go.id",
    "BOOKING_SECRET_KEY": "a-long-production-secret-kept-with-the-backups",
}
STARTING_COMMANDS = [["serve"], ["worker"], ["beat"], ["run"]]


@pytest.fixture
def booking(database_url, db, tmp_path, monkeypatch):
    """Run ``booking ARGS`` with the given environment on the test's database, from an empty folder."""
    monkeypatch.chdir(tmp_path)  # no developer's .env is read

    def run(args: list[str], **environment: str):
        env = {"BOOKING_DATABASE_URL": database_url, "BOOKING_DATA_DIR": str(tmp_path / "data"), **environment}
        return CliRunner().invoke(main, args, env=env, catch_exceptions=False)

    return run


@pytest.mark.parametrize("command", STARTING_COMMANDS, ids=lambda command: command[0])
@pytest.mark.parametrize(
    "public_url", ["", "http://localhost:8000", "http://127.0.0.1:8000", "https://[::1]", "http://0.0.0.0"]
)
def test_production_refuses_a_public_url_on_this_machine(booking, command, public_url):
    refused = booking(command, **{**GOOD, "BOOKING_PUBLIC_URL": public_url})
    assert refused.exit_code == 1, refused.output
    assert "production refuses to start" in refused.output
    assert "BOOKING_PUBLIC_URL" in refused.output and "https://antrian.mpp.example.go.id" in refused.output
    assert "BOOKING_SECRET_KEY" not in refused.output  # only what is wrong is named


def test_production_refuses_plain_http_for_manage_links(booking):
    refused = booking(["serve"], **{**GOOD, "BOOKING_PUBLIC_URL": "http://antrian.mpp-uji.go.id"})
    assert refused.exit_code == 1 and "must be https://" in refused.output


@pytest.mark.parametrize("command", STARTING_COMMANDS, ids=lambda command: command[0])
def test_production_refuses_to_start_without_a_secret_key(booking, command):
    refused = booking(command, **{**GOOD, "BOOKING_SECRET_KEY": ""})
    assert refused.exit_code == 1, refused.output
    assert "BOOKING_SECRET_KEY is not set" in refused.output and "secrets.token_urlsafe" in refused.output
    assert "BOOKING_PUBLIC_URL" not in refused.output


def test_production_refuses_demo_accounts_until_each_has_its_own_password(booking):
    loaded = booking(["demo", "load"])  # development: the demo is welcome
    assert loaded.exit_code == 0, loaded.output
    refused = booking(["beat"], **GOOD)
    assert refused.exit_code == 1
    assert "demo staff accounts" in refused.output and "admin-blora, petugas-dukcapil" in refused.output
    assert "booking staff passwd --username admin-blora" in refused.output

    changed = booking(["staff", "passwd", "--username", "admin-blora", "--password", "kata-sandi-baru-2026"])
    assert changed.exit_code == 0, changed.output
    still = booking(["beat"], **GOOD)
    assert still.exit_code == 1 and "petugas-dukcapil" in still.output and "admin-blora," not in still.output


def test_demo_load_refuses_a_production_database_holding_bookings(booking, client, db):
    make_site(db)
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9))).status_code == 201
    refused = booking(["demo", "load"], **GOOD)
    assert refused.exit_code == 1
    assert "holds 1 bookings" in refused.output and "database of its own" in refused.output
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Site)) == 1  # nothing was loaded

    development = booking(["demo", "load"])  # the same database, as a developer's: loads
    assert development.exit_code == 0, development.output
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Site)) > 1


def test_a_production_deployment_set_up_right_starts(database_url, db, tmp_path):
    make_site(db)
    with running_server(database_url, tmp_path / "api", extra_env=GOOD) as base_url:
        assert httpx.get(f"{base_url}/ready", timeout=30).status_code == 200
        services = httpx.get(f"{base_url}/api/v1/sites/uji/services", timeout=30).json()
        assert {service["code"] for service in services} == {"KK", "KTP"}
