"""Staff login: tokens, repeated failures throttled, a new password ends old tokens; the CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from booking.models import StaffUser
from booking.staff import MAX_FAILED_LOGINS
from tests.factories import PASSWORD, make_site, make_staff

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def clerk(client, db):
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    return client


def login(client, password: str = PASSWORD, username: str = "ani"):
    return client.post(TOKEN, json={"username": username, "password": password})


def test_a_login_gives_a_bearer_token_that_opens_the_schedule(clerk):
    answer = login(clerk)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 720 * 60
    assert body["role"] == "staff" and body["agency"] == "dukcapil"
    schedule = clerk.get("/api/v1/staff/schedule", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert schedule.status_code == 200 and schedule.json()["agency"]["slug"] == "dukcapil"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(clerk):
    wrong, unknown = login(clerk, "salah-sekali-123"), login(clerk, PASSWORD, username="siapa")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "unauthorized"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_a_wrong_password_says_so_in_the_caller_s_language(clerk):
    wrong = login(clerk, "salah-sekali-123")
    assert wrong.json()["detail"] == "Nama pengguna atau kata sandi salah."
    english = clerk.post(
        TOKEN, json={"username": "ani", "password": "salah-sekali-123"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["detail"] == "Wrong username or password."


def test_repeated_failures_lock_the_account_even_for_the_right_password(clerk, db, clock):
    for _ in range(MAX_FAILED_LOGINS):
        assert login(clerk, "tebakan-salah-000").status_code == 401
    locked = login(clerk)
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert locked.json()["detail"] == (
        "Akun ini dikunci sementara karena kata sandi salah beberapa kali. Coba lagi dalam 1 menit."
    )
    assert 0 < int(locked.headers["Retry-After"]) <= 60
    clock.advance(seconds=61)
    assert login(clerk).status_code == 200  # the lock ran out; success clears the count
    with db.read() as session:
        assert session.scalar(select(StaffUser.failed_logins).where(StaffUser.username == "ani")) == 0


def test_each_further_failure_doubles_the_lock(clerk, clock):
    for _ in range(MAX_FAILED_LOGINS):
        login(clerk, "tebakan-salah-000")
    clock.advance(seconds=61)
    assert login(clerk, "tebakan-salah-000").status_code == 401
    assert int(login(clerk).headers["Retry-After"]) > 60


def test_a_malformed_login_is_a_validation_error(clerk):
    answer = clerk.post(TOKEN, json={"username": "ani"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "password"


def test_a_new_password_ends_every_older_token(clerk, db, clock):
    from booking.staff import change_password

    old = {"Authorization": f"Bearer {login(clerk).json()['access_token']}"}
    assert clerk.get("/api/v1/staff/schedule", headers=old).status_code == 200
    with db.write() as session:
        change_password(session, "ani", "kata-sandi-baru-456", now=clock())
    assert clerk.get("/api/v1/staff/schedule", headers=old).status_code == 401
    assert login(clerk).status_code == 401
    assert login(clerk, "kata-sandi-baru-456").status_code == 200


def _booking(*args: str, env: dict) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "booking"
    return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_cli_creates_accounts_and_changes_passwords(database_url, db, tmp_path):
    make_site(db)
    env = {**os.environ, "BOOKING_DATABASE_URL": database_url, "BOOKING_DATA_DIR": str(tmp_path)}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the CLI runs on the real clock
    made = _booking("staff", "create", "--username", "Ani", "--password", PASSWORD, "--role", "staff",
                    "--agency", "dukcapil", env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    refused = _booking("staff", "create", "--username", "x", "--password", "short", "--role", "staff", env=env)
    assert refused.returncode != 0
    assert "at least 10 characters" in refused.stderr and "agency" in refused.stderr
    changed = _booking("staff", "passwd", "--username", "ani", "--password", "kata-sandi-baru-456", env=env)
    assert changed.returncode == 0, changed.stderr
    with db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "ani"))
        assert user.token_version == 1 and user.password_hash.startswith("$argon2")
        assert PASSWORD not in user.password_hash
        assert before <= user.created_at <= dt.datetime.now(dt.UTC)  # made by this command, not before


def test_the_demo_accounts_log_in_and_see_their_agency(client, db, clock):
    from booking.demo import load_demo
    from booking.demo.accounts import DEMO_PASSWORD, load_demo_accounts

    with db.write() as session:
        load_demo(session, clock().date())
        assert load_demo_accounts(session, clock()) == 2
        assert load_demo_accounts(session, clock()) == 0  # idempotent, as demo load is
    clerk = client.post(TOKEN, json={"username": "petugas-dukcapil", "password": DEMO_PASSWORD}).json()
    assert clerk["agency"] == "dindukcapil"
    admin = client.post(TOKEN, json={"username": "admin-blora", "password": DEMO_PASSWORD}).json()
    assert admin["role"] == "admin"
    agencies = client.get("/api/v1/admin/agencies", headers={"Authorization": f"Bearer {admin['access_token']}"})
    assert len(agencies.json()) == 31
