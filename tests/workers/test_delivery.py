"""Real delivery: an API server, a Celery worker with beat, a broker (embedded or Redis), and real receiving
ends (a local SMS/WhatsApp gateway over HTTP, a local SMTP server). Counted at the receiving side."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from sqlalchemy import select, update

from booking.models import Booking, Notification
from tests.factories import at, booking_body, make_site
from tests.gateways import wait_until
from tests.server import running_server
from tests.worker import WORKER_DEADLINE_S, kill_group, running, worker_env

pytestmark = pytest.mark.slow
WIB = ZoneInfo("Asia/Jakarta")
CLIENT_TIMEOUT_S = 60.0  # a bound, not a wait: the API shares a loaded machine with the worker


def day_after_tomorrow() -> dt.date:
    """Two days ahead in Blora: the day-before reminder (16.00 tomorrow) is ahead at any hour the suite runs,
    and so is the start, even if midnight passes during the test."""
    return dt.datetime.now(WIB).date() + dt.timedelta(days=2)


@pytest.fixture
def stack(database_url, db, broker_url, gateway, smtp, tmp_path):
    """API server + worker with beat, sharing settings; yields the API's base URL."""
    make_site(db)
    env = worker_env(
        database_url,
        tmp_path / "data",
        broker_url=broker_url,
        sms=gateway.url("sms"),
        whatsapp=gateway.url("wa"),
        email=smtp.url(),
    )
    env["BOOKING_SEND_LEASE_SECONDS"] = "3"  # a killed worker's message is taken again after 3 s
    extra = {key: value for key, value in env.items() if key.startswith("BOOKING_")}
    with (
        running(["worker", "--beat"], env, tmp_path / "worker.log") as worker,
        running_server(database_url, tmp_path / "data", extra_env=extra) as base,
    ):
        yield base, worker, env


def book(base: str, n: int = 1, hour: int = 11, **overrides) -> dict:
    body = booking_body(at(day_after_tomorrow(), hour), n, **overrides)
    made = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=body, timeout=CLIENT_TIMEOUT_S)
    assert made.status_code == 201, made.text
    return made.json()


def test_a_booking_is_confirmed_on_every_channel_within_seconds(stack, gateway, smtp):
    base, _, _ = stack
    made = book(base, channels=["sms", "whatsapp", "email"], citizen={"email": "siti@example.com"})

    assert wait_until(lambda: len(gateway.received()) == 2 and len(smtp.messages) == 1, timeout=WORKER_DEADLINE_S)
    sms = gateway.received("sms")[0]
    assert sms.payload["to"] == "+6281234567890"
    assert made["code"] in sms.payload["message"]
    assert len(gateway.received("wa")) == 1

    mail = smtp.messages[0]
    assert made["code"] in str(make_header(decode_header(mail["Subject"])))
    calendars = [part for part in mail.walk() if part.get_filename() and part.get_filename().endswith(".ics")]
    event = next(iter(icalendar.Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(WIB) == dt.datetime.fromisoformat(made["start"])

    def all_confirmations_sent() -> bool:
        shown = httpx.get(
            f"{base}/api/v1/bookings/{made['code']}",
            headers={"X-Booking-Token": made["manage_token"]},
            timeout=CLIENT_TIMEOUT_S,
        ).json()["notifications"]
        return {(n["channel"], n["status"]) for n in shown if n["kind"] == "booking_confirmed"} == {
            ("sms", "sent"),
            ("whatsapp", "sent"),
            ("email", "sent"),
        }

    # the gateways have them; the worker records each outcome a moment after the gateway answered
    assert wait_until(all_confirmations_sent, timeout=WORKER_DEADLINE_S)


def test_addresses_booking_accepted_reach_the_mail_server_through_the_worker(stack, smtp):
    """The shared e-mail rule end to end: what the API accepts, the worker sends (an IDN domain in ASCII)."""
    base, _, _ = stack
    given = {"warga@bücher.de": "warga@xn--bcher-kva.de", "a&b@example.com": "a&b@example.com",
             "x" * 64 + "@example.com": "x" * 64 + "@example.com"}  # fmt: skip
    for n, address in enumerate(given, start=1):
        book(base, n, channels=["email"], citizen={"email": address})

    assert wait_until(lambda: len(smtp.messages) == len(given), timeout=WORKER_DEADLINE_S)
    assert sorted(mail["To"] for mail in smtp.messages) == sorted(given.values())


def test_a_reminder_goes_out_at_its_time_and_cancelling_stops_the_next(stack, gateway, db):
    """The reminder's row says when (its ``send_at``): the worker leaves it alone until then, sends it once
    that time has come, and never sends the reminder of a booking cancelled meanwhile.

    The time comes by moving the row's ``send_at`` to now, not by waiting for the site's reminder hour
    or setting it a few seconds ahead (at 23.59 in Blora "a few seconds ahead" is the next day)."""
    base, _, _ = stack
    kept = book(base, n=1)
    dropped = book(base, n=2)
    httpx.post(
        f"{base}/api/v1/bookings/{dropped['code']}/cancel",
        headers={"X-Booking-Token": dropped["manage_token"]},
        timeout=CLIENT_TIMEOUT_S,
    ).raise_for_status()

    def texts(made: dict) -> list[str]:
        return [r.payload["message"] for r in gateway.received() if made["code"] in r.payload["message"]]

    def reminder(made: dict) -> Notification | None:
        with db.read() as session:
            return session.scalar(
                select(Notification)
                .join(Booking, Booking.id == Notification.booking_id)
                .where(Booking.code == made["code"].replace("-", ""), Notification.kind == "reminder_day_before")
            )

    # The worker is at work: the confirmations and the cancellation reached the gateway ...
    assert wait_until(
        lambda: texts(kept) and any("dibatalkan" in text for text in texts(dropped)), timeout=WORKER_DEADLINE_S
    ), [r.payload["message"] for r in gateway.received()]
    # ... and the reminder, due at 16.00 tomorrow, was left alone; the cancelled booking's will never go.
    assert reminder(kept).status == "pending" and reminder(dropped).status == "cancelled"
    assert not any("besok" in text.lower() for text in texts(kept))

    with db.write() as session:  # its time has come
        session.execute(
            update(Notification)
            .where(Notification.id == reminder(kept).id)
            .values(send_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
        )

    assert wait_until(lambda: any("besok" in text.lower() for text in texts(kept)), timeout=WORKER_DEADLINE_S)
    # the gateway has it; the worker records the outcome a moment after the gateway answered
    assert wait_until(lambda: reminder(kept).status == "sent", timeout=WORKER_DEADLINE_S)
    sent = reminder(kept)
    assert sent.sent_at >= sent.send_at and sent.attempts == 1
    assert sum("besok" in text.lower() for text in texts(kept)) == 1
    assert reminder(dropped).status == "cancelled"
    assert not any("besok" in text.lower() for text in texts(dropped))


def test_a_gateway_failing_for_a_while_loses_nothing_and_sends_nothing_twice(stack, gateway, db):
    """Each confirmation is refused (HTTP 500) at least once and put back for a retry; once the gateway
    works again each is delivered exactly once. The retry's time (about 30 s after the failure, with
    jitter) is brought forward in the rows, as the test has no reason to wait for it."""
    base, _, _ = stack
    gateway.failing = True
    made = [book(base, n=n) for n in range(1, 4)]
    codes = {b["code"] for b in made}

    def refused_codes() -> set[str]:
        return {code for code in codes for r in gateway.refused if code in r.payload.get("message", "")}

    def confirmations() -> list[Notification]:
        with db.read() as session:
            return list(session.scalars(select(Notification).where(Notification.kind == "booking_confirmed")))

    def all_put_back() -> bool:
        rows = confirmations()
        return len(rows) == 3 and all(r.status == "pending" and r.attempts >= 1 and r.last_error for r in rows)

    assert wait_until(lambda: refused_codes() == codes and all_put_back(), timeout=WORKER_DEADLINE_S), [
        (r.status, r.attempts, r.last_error) for r in confirmations()
    ]
    assert gateway.received() == []  # nothing got through while it failed

    gateway.failing = False
    with db.write() as session:  # the retries' time has come
        session.execute(
            update(Notification)
            .where(Notification.kind == "booking_confirmed", Notification.status == "pending")
            .values(send_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
        )

    assert wait_until(lambda: all(r.status == "sent" for r in confirmations()), timeout=WORKER_DEADLINE_S), [
        (r.status, r.attempts, r.last_error) for r in confirmations()
    ]
    # a sent row is never taken again: what the gateway has now is all it will ever get
    received = [next(code for code in codes if code in r.payload["message"]) for r in gateway.received()]
    assert sorted(received) == sorted(codes)  # each booking's confirmation once, none lost
    assert len(gateway.distinct_messages()) == 3


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_gateway_can_drop_the_resend(stack, gateway, db, tmp_path):
    base, worker, env = stack
    gateway.delay = 4  # the gateway holds each request: the worker is killed while it waits for the answer
    made = book(base)
    assert wait_until(lambda: gateway.received(), timeout=WORKER_DEADLINE_S)
    kill_group(worker)
    gateway.delay = 0
    with running(["worker", "--beat"], env, tmp_path / "worker-2.log"):
        # the dead worker's lease (3 s here) runs out, then the row is sent again
        assert wait_until(lambda: _status(db, "booking_confirmed") == "sent", timeout=WORKER_DEADLINE_S)
    # The gateway got the message before the kill and again after it: at least once, never lost. Both
    # carry one idempotency key, so a gateway that honours it delivers the SMS once.
    assert 1 <= len(gateway.received()) <= 2
    assert all(made["code"] in request.payload["message"] for request in gateway.received())
    assert len(gateway.distinct_messages()) == 1


def _status(db, kind: str) -> str:
    with db.read() as session:
        return session.scalar(select(Notification.status).where(Notification.kind == kind))
