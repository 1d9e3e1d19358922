"""Erasure with a real worker and beat: retention as beat runs it, and a citizen's erasure whose cancellation
notice reaches the phone before the number is erased."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select, update

from booking import idempotency
from booking.bookings import BookingRequest, create_booking
from booking.models import AuditEntry, Booking, IdempotencyKey, Notification, NotificationStatus, Site
from tests.factories import WIB, at, booking_body, make_site, nik
from tests.gateways import wait_until
from tests.server import running_server
from tests.worker import WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow
SECRET = "live-server-test-secret"  # worker_env's


def book_in_the_past(db, day: dt.date, n: int) -> str:
    """A booking for ``day`` made three days before it, its messages sent but a retry waiting for an hour."""
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        request = BookingRequest(service="KTP", start=at(day, 8), nik=nik(n), name="Siti Aminah", phone="081234567890")
        made_at = dt.datetime.combine(day, dt.time(8), WIB).astimezone(dt.UTC) - dt.timedelta(days=3)
        key, fingerprint = f"key-{n}", idempotency.fingerprint("uji", {"n": n})
        idempotency.claim(session, key, fingerprint, now=made_at, ttl=dt.timedelta(days=3650), secret_key=SECRET)
        booking = create_booking(session, site, request, now=made_at, secret_key=SECRET).booking
        idempotency.remember(session, key, booking_id=booking.id, body={"citizen": {"name": "S*** A*****"}})
        session.execute(
            update(Notification).where(Notification.booking_id == booking.id).values(status=NotificationStatus.sent)
        )
        session.execute(
            update(Notification)
            .where(Notification.booking_id == booking.id, Notification.kind == "booking_confirmed")
            .values(status=NotificationStatus.pending, send_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        )
        return booking.code


def test_beat_erases_the_data_of_visits_past_the_site_s_retention(database_url, db, broker_url, tmp_path):
    make_site(db)
    today = dt.datetime.now(WIB).date()
    expired = book_in_the_past(db, today - dt.timedelta(days=91), 1)  # ended 91 days ago at 08.30
    kept = book_in_the_past(db, today - dt.timedelta(days=89), 2)  # ended 89 days ago: a day or so to go

    env = worker_env(database_url, tmp_path / "data", broker_url=broker_url)
    env["BOOKING_RETENTION_SWEEP_SECONDS"] = "0.5"

    def booking(code: str) -> Booking:
        with db.read() as session:
            return session.scalar(select(Booking).where(Booking.code == code))

    with running(["worker", "--beat"], env, tmp_path / "data" / "worker.log"):
        assert wait_until(lambda: booking(expired).personal_data_erased_at is not None, timeout=WORKER_DEADLINE_S), (
            tmp_path / "data" / "worker.log"
        ).read_text()[-3000:]

    gone = booking(expired)
    assert (gone.citizen_name, gone.citizen_phone, gone.citizen_nik_hash, gone.citizen_nik_last4) == (None,) * 4
    assert booking(kept).citizen_name == "Siti Aminah" and booking(kept).personal_data_erased_at is None
    with db.read() as session:
        waiting = dict(
            session.execute(
                select(Booking.code, Notification.status)
                .join(Booking, Booking.id == Notification.booking_id)
                .where(Notification.kind == "booking_confirmed")
            ).all()
        )
        assert waiting == {expired: "cancelled", kept: "pending"}  # the erased booking's retry never goes
        keys = {
            key.request_hash: (key.booking_id, key.response_body) for key in session.scalars(select(IdempotencyKey))
        }
        assert keys["erased"] == (None, "") and len(keys) == 2
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "personal_data.retention"))
        assert (entry.actor, entry.after) == ("system", {"erased": 1, "retention_days": 90})


def test_an_erasure_s_cancellation_notice_reaches_the_phone_and_then_the_number_is_erased(
    database_url, db, gateway, tmp_path
):
    make_site(db)
    env = worker_env(database_url, tmp_path / "data", sms=gateway.url("sms"))
    extra = {key: value for key, value in env.items() if key.startswith("BOOKING_")}
    tomorrow = dt.datetime.now(WIB).date() + dt.timedelta(days=1)
    with (
        running(["worker", "--beat"], env, tmp_path / "worker.log"),
        running_server(database_url, tmp_path / "data", extra_env=extra) as base,
    ):
        made = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=booking_body(at(tomorrow, 11)), timeout=60)
        made = made.json()
        assert wait_until(lambda: len(gateway.received("sms")) == 1, timeout=WORKER_DEADLINE_S)  # the confirmation

        erased = httpx.post(
            f"{base}/api/v1/bookings/{made['code']}/erase",
            headers={"X-Booking-Token": made["manage_token"]},
            timeout=60,
        )
        assert erased.status_code == 200 and erased.json()["contact_kept_until_notice_sent"] is True

        def phone_held():
            with db.read() as session:
                return session.scalar(select(Booking.citizen_phone))

        assert wait_until(lambda: len(gateway.received("sms")) == 2 and phone_held() is None, timeout=WORKER_DEADLINE_S)
    notice = gateway.received("sms")[1].payload
    assert notice["to"] == "+6281234567890"
    assert made["code"] in notice["message"] and "dibatalkan" in notice["message"]
    with db.read() as session:
        rows = session.execute(select(Notification.kind, Notification.status)).all()
    reminders = {status for kind, status in rows if kind.startswith("reminder")}
    assert reminders == {"cancelled"}  # at least the one two hours before; never sent
    assert ("booking_cancelled", "sent") in rows
