"""Real delivery: an API server, a Celery worker with beat, a broker (embedded or Redis), and real receiving
ends (a local SMS/WhatsApp gateway over HTTP, a local SMTP server). Counted at the receiving side."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from sqlalchemy import select, update

from booking.models import Notification, Site
from tests.factories import at, booking_body, make_site
from tests.gateways import wait_until
from tests.server import running_server
from tests.worker import kill_group, running, worker_env

pytestmark = pytest.mark.slow
WIB = ZoneInfo("Asia/Jakarta")


def tomorrow() -> dt.date:
    return dt.datetime.now(WIB).date() + dt.timedelta(days=1)


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
    body = booking_body(at(tomorrow(), hour), n, **overrides)
    made = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=body, timeout=10)
    assert made.status_code == 201, made.text
    return made.json()


def test_a_booking_is_confirmed_on_every_channel_within_seconds(stack, gateway, smtp):
    base, _, _ = stack
    made = book(base, channels=["sms", "whatsapp", "email"], citizen={"email": "siti@example.com"})

    assert wait_until(lambda: len(gateway.received()) == 2 and len(smtp.messages) == 1, timeout=20)
    sms = gateway.received("sms")[0]
    assert sms.payload["to"] == "+6281234567890"
    assert made["code"] in sms.payload["message"]
    assert len(gateway.received("wa")) == 1

    mail = smtp.messages[0]
    assert made["code"] in mail["Subject"] or made["code"] in mail.as_string()
    calendars = [part for part in mail.walk() if part.get_filename() and part.get_filename().endswith(".ics")]
    event = next(iter(icalendar.Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(WIB) == dt.datetime.fromisoformat(made["start"])

    def all_confirmations_sent() -> bool:
        shown = httpx.get(
            f"{base}/api/v1/bookings/{made['code']}", headers={"X-Booking-Token": made["manage_token"]}, timeout=10
        ).json()["notifications"]
        return {(n["channel"], n["status"]) for n in shown if n["kind"] == "booking_confirmed"} == {
            ("sms", "sent"),
            ("whatsapp", "sent"),
            ("email", "sent"),
        }

    assert wait_until(all_confirmations_sent, timeout=10)


def test_addresses_booking_accepted_reach_the_mail_server_through_the_worker(stack, smtp):
    """The shared e-mail rule end to end: what the API accepts, the worker sends (an IDN domain in ASCII)."""
    base, _, _ = stack
    given = {"warga@bücher.de": "warga@xn--bcher-kva.de", "a&b@example.com": "a&b@example.com",
             "x" * 64 + "@example.com": "x" * 64 + "@example.com"}  # fmt: skip
    for n, address in enumerate(given, start=1):
        book(base, n, channels=["email"], citizen={"email": address})

    assert wait_until(lambda: len(smtp.messages) == len(given), timeout=20)
    assert sorted(mail["To"] for mail in smtp.messages) == sorted(given.values())


def test_a_reminder_goes_out_at_its_time_and_cancelling_stops_the_next(stack, gateway, db):
    base, _, _ = stack
    soon = dt.datetime.now(WIB) + dt.timedelta(seconds=6)
    with db.write() as session:  # the day-before reminder of tomorrow's bookings falls due in six seconds
        session.execute(update(Site).values(reminder_day_before_at=soon.time().replace(microsecond=0)))
    kept = book(base, n=1)
    dropped = book(base, n=2)
    httpx.post(
        f"{base}/api/v1/bookings/{dropped['code']}/cancel",
        headers={"X-Booking-Token": dropped["manage_token"]},
        timeout=10,
    ).raise_for_status()

    assert wait_until(
        lambda: any(
            kept["code"] in r.payload["message"] and "besok" in r.payload["message"].lower() for r in gateway.received()
        ),
        timeout=25,
    )
    texts = [r.payload["message"] for r in gateway.received() if dropped["code"] in r.payload["message"]]
    assert any("dibatalkan" in text for text in texts)  # its cancellation went out ...
    assert not any("besok" in text.lower() for text in texts)  # ... and its reminder did not

    def sent_reminder():
        with db.read() as session:
            return session.scalar(
                select(Notification).where(Notification.kind == "reminder_day_before", Notification.status == "sent")
            )

    # the gateway has it; the worker records the outcome a moment after the gateway answered
    assert wait_until(lambda: sent_reminder() is not None, timeout=10)
    reminder = sent_reminder()
    assert reminder.sent_at >= reminder.send_at


def test_a_gateway_failing_for_a_while_loses_nothing_and_sends_nothing_twice(stack, gateway):
    base, _, _ = stack
    gateway.failing = True
    made = [book(base, n=n) for n in range(1, 4)]
    assert not wait_until(lambda: gateway.received(), timeout=3)
    gateway.failing = False
    # the first retry comes about 30 s after the first failure (backoff with jitter)
    assert wait_until(lambda: len(gateway.received()) == 3, timeout=60)
    assert {b["code"] for b in made} == {
        next(b["code"] for b in made if b["code"] in r.payload["message"]) for r in gateway.received()
    }
    assert wait_until(lambda: False, timeout=2) is False and len(gateway.received()) == 3


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_gateway_can_drop_the_resend(stack, gateway, db, tmp_path):
    base, worker, env = stack
    gateway.delay = 4  # the gateway holds each request: the worker is killed while it waits for the answer
    made = book(base)
    assert wait_until(lambda: gateway.received(), timeout=15)
    kill_group(worker)
    gateway.delay = 0
    with running(["worker", "--beat"], env, tmp_path / "worker-2.log"):
        # the dead worker's lease (3 s here) runs out, then the row is sent again
        assert wait_until(lambda: _status(db, "booking_confirmed") == "sent", timeout=30)
    # The gateway got the message before the kill and again after it: at least once, never lost. Both
    # carry one idempotency key, so a gateway that honours it delivers the SMS once.
    assert 1 <= len(gateway.received()) <= 2
    assert all(made["code"] in request.payload["message"] for request in gateway.received())
    assert len(gateway.distinct_messages()) == 1


def _status(db, kind: str) -> str:
    with db.read() as session:
        return session.scalar(select(Notification.status).where(Notification.kind == kind))
