"""What the operator woken at night uses: the failed list, a retry, and the outbox in the metrics."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from booking import outbox
from booking.models import Notification
from tests.factories import MONDAY_MORNING, TOMORROW, at, booking_body, make_site

BOOKING = Path(sys.executable).parent / "booking"
LEASE = dt.timedelta(minutes=2)


def _fail_the_confirmation(client, db) -> int:
    made = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 11)))
    assert made.status_code == 201
    with db.write() as session:
        row_id = session.scalar(select(Notification.id).where(Notification.kind == "booking_confirmed"))
        outbox.start_sending(session, row_id, MONDAY_MORNING, lease=LEASE)
        outbox.settle(session, row_id, MONDAY_MORNING, delivered=False, permanent=True, error="HTTP 400")
    return row_id


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOOKING_DATABASE_URL": database_url}
    return subprocess.run([str(BOOKING), *args], env=env, capture_output=True, text=True, timeout=60)


def test_failed_notifications_are_listed_and_can_be_retried(client, db, database_url):
    make_site(db)
    row_id = _fail_the_confirmation(client, db)

    listed = _cli(database_url, "notifications", "list", "--status", "failed")
    assert listed.returncode == 0, listed.stderr
    assert f"{row_id}\tfailed\tbooking_confirmed\tsms" in listed.stdout and "HTTP 400" in listed.stdout
    assert "081234567890" not in listed.stdout and "+6281234567890" not in listed.stdout

    retried = _cli(database_url, "notifications", "retry", str(row_id))
    assert retried.returncode == 0, retried.stderr
    with db.read() as session:
        row = session.get(Notification, row_id)
    assert (row.status, row.attempts) == ("pending", 0)

    again = _cli(database_url, "notifications", "retry", str(row_id))  # no longer a failed one
    assert again.returncode != 0 and "not a failed one" in again.stderr


def test_metrics_show_the_outbox_by_channel_and_status_and_the_oldest_due_age(client, db, clock):
    make_site(db)
    _fail_the_confirmation(client, db)
    client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 2))  # a due confirmation
    clock.advance(seconds=90)
    text = client.get("/metrics").text
    assert 'antrian_notifications{channel="sms",status="failed"} 1.0' in text
    assert 'antrian_notifications{channel="sms",status="pending"}' in text
    assert "antrian_notification_oldest_due_seconds 90.0" in text
    assert 'antrian_notification_retries{channel="sms"}' in text


def test_a_worker_with_an_unusable_gateway_url_refuses_to_start(tmp_path):
    env = {**os.environ, "BOOKING_DATA_DIR": str(tmp_path), "BOOKING_NOTIFY_SMS_URL": "json://gateway.example/sms"}
    started = subprocess.run([str(BOOKING), "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "BOOKING_NOTIFY_SMS_URL" in started.stderr and "{to}" in started.stderr
