"""The outbox: messages planned in the booking's own transaction, claimed and settled safely by workers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking import outbox
from booking.models import Notification
from tests.factories import MONDAY_MORNING, TOMORROW, at, booking_body, make_site

LEASE = dt.timedelta(minutes=2)


@pytest.fixture
def site(db):
    return make_site(db)


def book(client, start=None, n=1, **overrides):
    made = client.post("/api/v1/sites/uji/bookings", json=booking_body(start or at(TOMORROW, 11), n, **overrides))
    assert made.status_code == 201, made.text
    return made.json()


def rows(db) -> list[Notification]:
    with db.read() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_booking_plans_its_confirmation_and_reminders_per_channel(client, site, db):
    made = book(client, channels=["sms", "whatsapp"])
    planned = {(row.kind, row.channel): row for row in rows(db)}
    assert set(planned) == {
        (kind, channel)
        for kind in ("booking_confirmed", "reminder_day_before", "reminder_soon")
        for channel in ("sms", "whatsapp")
    }
    assert planned["booking_confirmed", "sms"].send_at == MONDAY_MORNING
    # defaults: 16:00 local the day before, and two hours before the start
    assert planned["reminder_day_before", "sms"].send_at == dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    assert planned["reminder_soon", "sms"].send_at == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    shown = {(item["kind"], item["channel"]): item for item in made["notifications"]}
    assert shown["reminder_soon", "sms"] == {
        "kind": "reminder_soon",
        "channel": "sms",
        "status": "pending",
        "send_at": "2026-12-01T09:00:00+07:00",
        "sent_at": None,
    }


def test_no_reminder_is_planned_in_the_past(client, site, db, clock):
    clock.now = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 on the day itself
    book(client, at(TOMORROW, 9, 30))
    assert [row.kind for row in rows(db)] == ["booking_confirmed"]  # day-before passed, 'soon' would be 07:30


def test_cancel_stops_the_reminders_and_announces_the_cancellation(client, site, db):
    made = book(client)
    client.post(f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]})
    status = {row.kind: row.status for row in rows(db)}
    assert status == {
        "booking_confirmed": "cancelled",
        "reminder_day_before": "cancelled",
        "reminder_soon": "cancelled",
        "booking_cancelled": "pending",
    }


def test_reschedule_replans_the_reminders(client, site, db):
    made = book(client)
    moved = client.post(
        f"/api/v1/bookings/{made['code']}/reschedule",
        headers={"X-Booking-Token": made["manage_token"]},
        json={"start": at(TOMORROW.replace(day=3), 9)},
    ).json()
    live = sorted((row.kind, row.revision) for row in rows(db) if row.status == "pending")
    assert live == [("booking_rescheduled", 1), ("reminder_day_before", 1), ("reminder_soon", 1)]
    soon = next(
        item for item in moved["notifications"] if item["kind"] == "reminder_soon" and item["status"] == "pending"
    )
    assert soon["send_at"] == "2026-12-03T07:00:00+07:00"


def test_a_refused_booking_plans_nothing(client, site, db):
    book(client, n=1)
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 1)).status_code == 409
    assert len(rows(db)) == 3


def test_a_due_row_is_claimed_by_one_sweep_only(client, site, db):
    book(client)
    with db.write() as session:
        first = outbox.claim_due(session, MONDAY_MORNING, lease=LEASE)
    with db.write() as session:
        second = outbox.claim_due(session, MONDAY_MORNING, lease=LEASE)
    assert first == [(first[0][0], "sms")] and second == []
    with db.write() as session:  # after the lease, a dead sweep's claim is taken again
        assert outbox.claim_due(session, MONDAY_MORNING + LEASE + dt.timedelta(seconds=1), lease=LEASE) == first


def test_a_row_is_sent_once_even_if_two_tasks_run_for_it(client, site, db):
    book(client)
    [row_id] = [row.id for row in rows(db) if row.kind == "booking_confirmed"]
    with db.write() as session:
        job = outbox.start_sending(session, row_id, MONDAY_MORNING, lease=LEASE)
    with db.write() as session:
        assert outbox.start_sending(session, row_id, MONDAY_MORNING, lease=LEASE) is None
    assert job.booking.citizen_phone == "+6281234567890"
    with db.write() as session:
        assert outbox.settle(session, row_id, MONDAY_MORNING, delivered=True) == "sent"
    later = MONDAY_MORNING + dt.timedelta(hours=1)
    with db.write() as session:
        assert outbox.start_sending(session, row_id, later, lease=LEASE) is None
        assert outbox.claim_due(session, later, lease=LEASE) == []


def test_a_sending_row_of_a_dead_worker_is_taken_again_after_its_lease(client, site, db):
    book(client)
    [row_id] = [row.id for row in rows(db) if row.kind == "booking_confirmed"]
    with db.write() as session:
        outbox.start_sending(session, row_id, MONDAY_MORNING, lease=LEASE)
    after_lease = MONDAY_MORNING + LEASE + dt.timedelta(seconds=1)
    with db.write() as session:
        assert outbox.claim_due(session, after_lease, lease=LEASE) == [(row_id, "sms")]
        assert outbox.start_sending(session, row_id, after_lease, lease=LEASE) is not None


def test_a_reminder_of_a_cancelled_booking_is_cancelled_not_sent(client, site, db):
    made = book(client)
    [row_id] = [row.id for row in rows(db) if row.kind == "reminder_soon"]
    send_time = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    with db.write() as session:
        assert outbox.claim_due(session, send_time, lease=LEASE)  # queued before the citizen cancelled
    client.post(f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]})
    with db.write() as session:
        assert outbox.start_sending(session, row_id, send_time, lease=LEASE) is None
    assert {row.kind: row.status for row in rows(db)}["reminder_soon"] == "cancelled"


def test_transient_failures_back_off_then_fail_with_the_last_error(client, site, db):
    book(client)
    [row_id] = [row.id for row in rows(db) if row.kind == "booking_confirmed"]
    now, delays = MONDAY_MORNING, []
    for _ in range(outbox.MAX_ATTEMPTS):
        with db.write() as session:
            assert outbox.start_sending(session, row_id, now, lease=LEASE) is not None
            status = outbox.settle(session, row_id, now, delivered=False, error="HTTP 500")
            due = session.get(Notification, row_id).send_at
        delays.append(due - now)
        now = due
    assert status == "failed"
    assert all(later > earlier for earlier, later in zip(delays[:3], delays[1:4], strict=False))
    final = next(row for row in rows(db) if row.id == row_id)
    assert (final.status, final.last_error, final.attempts) == ("failed", "HTTP 500", outbox.MAX_ATTEMPTS)


def test_a_permanent_failure_fails_at_once(client, site, db):
    book(client)
    [row_id] = [row.id for row in rows(db) if row.kind == "booking_confirmed"]
    with db.write() as session:
        outbox.start_sending(session, row_id, MONDAY_MORNING, lease=LEASE)
        assert (
            outbox.settle(session, row_id, MONDAY_MORNING, delivered=False, permanent=True, error="HTTP 400")
            == "failed"
        )
