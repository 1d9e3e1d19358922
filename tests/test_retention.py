"""Retention on a clock (both databases): beat's task erases a citizen's data the site's number of days after
the visit, not a second before; the facts reports count stay; nothing of the citizen is left in any table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, update

from booking import lifecycle, outbox, personal_data
from booking.models import AuditEntry, Booking, IdempotencyKey, Notification, NotificationStatus, Site
from tests.factories import TOMORROW, at, booking_body, make_site, nik

SECRET = "test-secret"  # the settings fixture's key: the erased form of a token is derived from it
NAME, PHONE, EMAIL = "Siti Aminah", "+6281234567890", "siti.aminah@example.com"
VISITS_END = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)  # the last visit of 1 December ends 12.00 WIB


@pytest.fixture
def site(db):
    return make_site(db)


def book(client, hour: int, n: int, day=TOMORROW, minute: int = 0) -> dict:
    body = booking_body(at(day, hour, minute), n, citizen={"email": EMAIL}, channels=["sms", "email"])
    answer = client.post("/api/v1/sites/uji/bookings", json=body, headers={"Idempotency-Key": f"key-{n}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def step(db, code: str, *actions: str, at_time: dt.datetime) -> None:
    with db.write() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        for action in actions:
            lifecycle.take_step(session, booking, action, now=at_time)


def a_day_of_bookings(client, db) -> list[dict]:
    """1 December: served, no-show, cancelled, still confirmed (the last slot, 11.30-12.00); one on 2 December."""
    made = [
        book(client, hour, n, minute=minute) for n, (hour, minute) in enumerate(((8, 0), (9, 0), (9, 0), (11, 30)), 1)
    ]
    started = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    step(db, made[0]["code"], "check_in", "serve", at_time=started)
    step(db, made[1]["code"], "no_show", at_time=started)
    client.post(f"/api/v1/bookings/{made[2]['code']}/cancel", headers={"X-Booking-Token": made[2]["manage_token"]})
    made.append(book(client, 8, 5, day=TOMORROW + dt.timedelta(days=1)))
    return made


def sweep(db, now: dt.datetime, limit: int = 200) -> int:
    with db.write() as session:
        return personal_data.erase_expired(session, now=now, secret_key=SECRET, limit=limit)


def counts_per_day_and_status(db) -> dict:
    with db.read() as session:
        rows = session.execute(
            select(Booking.local_date, Booking.status, Booking.walk_in, func.count()).group_by(
                Booking.local_date, Booking.status, Booking.walk_in
            )
        )
        return {(day, status, walk_in): count for day, status, walk_in, count in rows}


def citizen_of(db, code: str) -> tuple:
    with db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        return (
            booking.citizen_name,
            booking.citizen_phone,
            booking.citizen_email,
            booking.citizen_nik_hash,
            booking.citizen_nik_last4,
        )


def test_data_is_erased_the_site_s_days_after_the_visit_and_not_a_second_before(client, db, site):
    made = a_day_of_bookings(client, db)
    first_day, next_day = made[:4], made[4]

    assert sweep(db, VISITS_END + dt.timedelta(days=90, seconds=-1)) == 3  # visits that ended by 09.30
    assert citizen_of(db, first_day[3]["code"])[0] == NAME  # the 11.30 visit ends 12.00: not yet
    assert sweep(db, VISITS_END + dt.timedelta(days=90)) == 1
    assert all(citizen_of(db, booking["code"]) == (None,) * 5 for booking in first_day)
    assert citizen_of(db, next_day["code"])[0] == NAME  # 2 December's visit: a day to go
    assert sweep(db, VISITS_END + dt.timedelta(days=90)) == 0  # nothing twice


def test_a_site_s_own_retention_is_followed(client, db, site):
    made = book(client, 8, 1)
    with db.write() as session:
        session.execute(update(Site).values(personal_data_retention_days=7))
    visit_end = dt.datetime.fromisoformat(made["end"])
    assert sweep(db, visit_end + dt.timedelta(days=7, seconds=-1)) == 0
    assert sweep(db, visit_end + dt.timedelta(days=7)) == 1
    assert citizen_of(db, made["code"]) == (None,) * 5


def test_the_facts_reports_count_are_kept(client, db, site):
    made = a_day_of_bookings(client, db)
    before = counts_per_day_and_status(db)
    with db.read() as session:
        times = {row.code: (row.starts_at, row.ends_at, row.counter_id, row.service_id, row.created_at,
                            row.checked_in_at, row.served_at, row.cancelled_at)
                 for row in session.scalars(select(Booking))}  # fmt: skip

    assert sweep(db, VISITS_END + dt.timedelta(days=100)) == len(made)

    assert counts_per_day_and_status(db) == before
    assert before == {
        (TOMORROW, "served", False): 1,
        (TOMORROW, "no_show", False): 1,
        (TOMORROW, "cancelled", False): 1,
        (TOMORROW, "confirmed", False): 1,
        (TOMORROW + dt.timedelta(days=1), "confirmed", False): 1,
    }
    with db.read() as session:
        assert {
            row.code: (row.starts_at, row.ends_at, row.counter_id, row.service_id, row.created_at,
                       row.checked_in_at, row.served_at, row.cancelled_at)
            for row in session.scalars(select(Booking))
        } == times  # fmt: skip


def test_nothing_of_the_citizen_is_left_in_any_table(client, db, site):
    made = a_day_of_bookings(client, db)
    traces = (NAME, PHONE, "081234567890", EMAIL, *(nik(n) for n in range(1, 6)), "S*** A*****")
    with db.read() as session:  # the first answers, kept for a retry, show the citizen masked
        bodies = [row.response_body for row in session.scalars(select(IdempotencyKey))]
    assert len(bodies) == len(made) and all("S*** A*****" in body for body in bodies)

    sweep(db, VISITS_END + dt.timedelta(days=100))

    with db.read() as session:
        for booking in session.scalars(select(Booking)):
            held = (booking.citizen_name, booking.citizen_phone, booking.citizen_email, booking.citizen_nik_hash)
            assert held == (None,) * 4 and booking.citizen_nik_last4 is None
            assert booking.personal_data_erased_at == VISITS_END + dt.timedelta(days=100)
        keys = session.scalars(select(IdempotencyKey)).all()
        assert len(keys) == len(made)
        assert {(key.response_body, key.booking_id, key.request_hash) for key in keys} == {("", None, "erased")}
        unsent = session.scalar(
            select(func.count()).select_from(Notification).where(Notification.status.in_(outbox.UNSENT))
        )
        assert unsent == 0  # the confirmations and reminders nobody sent are cancelled, never sent now
        entries = session.scalars(select(AuditEntry)).all()
        written = json.dumps([(e.target, e.before, e.after) for e in entries], ensure_ascii=False)
        assert not [trace for trace in traces if trace in written]
        (retention,) = [entry for entry in entries if entry.action == "personal_data.retention"]
        assert (retention.actor, retention.target, retention.after) == (
            "system",
            "site:uji",
            {"erased": len(made), "retention_days": 90},
        )
    for booking in made:  # the link in old messages opens nothing
        shown = client.get(f"/api/v1/bookings/{booking['code']}", headers={"X-Booking-Token": booking["manage_token"]})
        assert shown.status_code == 404


def test_a_sweep_erases_in_batches(client, db, site):
    a_day_of_bookings(client, db)
    later = VISITS_END + dt.timedelta(days=100)
    assert [sweep(db, later, limit=2) for _ in range(4)] == [2, 2, 1, 0]


def test_a_contact_kept_for_a_cancellation_notice_goes_once_the_notice_is_settled(client, db, site, clock):
    made = book(client, 8, 1)
    client.post(f"/api/v1/bookings/{made['code']}/erase", headers={"X-Booking-Token": made["manage_token"]})
    assert citizen_of(db, made["code"])[1:3] == (PHONE, EMAIL)

    sweep(db, clock.now)  # retention leaves it while the notice is owed
    assert citizen_of(db, made["code"])[1:3] == (PHONE, EMAIL)

    with db.write() as session:  # the worker sends the e-mail one; the SMS is still to go
        notice = session.scalar(
            select(Notification).where(Notification.kind == "booking_cancelled", Notification.channel == "email")
        )
        outbox.start_sending(session, notice.id, clock.now, lease=dt.timedelta(minutes=2))
        outbox.settle(session, notice.id, clock.now, delivered=True)
        personal_data.forget_contact_after_sending(session, notice.id)
    assert citizen_of(db, made["code"])[1:3] == (PHONE, EMAIL)

    with db.write() as session:  # the SMS failed for good and no worker came back for it: the sweep ends it
        session.execute(
            update(Notification)
            .where(Notification.kind == "booking_cancelled", Notification.channel == "sms")
            .values(status=NotificationStatus.failed)
        )
    sweep(db, clock.now)
    assert citizen_of(db, made["code"]) == (None,) * 5
