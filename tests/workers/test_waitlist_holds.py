"""Beat releases a held place that ran out, through a real worker and broker, with no request to prompt it:
the place goes to the next in line, whose offer the worker then delivers to the outbox folder (the embedded
file gateway) with the link to their entry's page. Times are set relative to now (the hold ran out a minute
ago, the place is two days ahead): no wall-clock hour matters and nothing waits longer than the facts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking import waitlist
from booking.bookings import BookingRequest, cancel_booking, create_booking
from booking.models import Booking, Site, WaitlistEntry
from tests.factories import WIB, at, make_site, nik
from tests.gateways import wait_until
from tests.worker import WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow
SECRET = "live-server-test-secret"  # worker_env's key: the offer's link is derived from it


def test_beat_gives_a_hold_that_ran_out_to_the_next_in_line(database_url, db, broker_url, tmp_path):
    make_site(db, capacity=1, counters=1, closes=dt.time(9), break_=None)
    now = dt.datetime.now(dt.UTC)
    day = now.astimezone(WIB).date() + dt.timedelta(days=2)
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        made = [
            create_booking(
                session, site, BookingRequest(service="KTP", start=at(day, hour, minute), nik=nik(n), name="Siti",
                                              phone="081234567890"), now=now, secret_key=SECRET,
            ).booking
            for n, (hour, minute) in ((1, (8, 0)), (2, (8, 30)))
        ]  # fmt: skip
        for n in (5, 6):
            asked = waitlist.WaitlistRequest(service="KTP", date=day, nik=nik(n), name="Budi", phone="081298765432")
            waitlist.join(session, site, asked, now=now, secret_key=SECRET, channels_ready=("sms",))
    with db.write() as session:  # the first booking cancelled an hour ago: its place held for 30 minutes then
        cancel_booking(session, session.get(Booking, made[0].id), now=now - dt.timedelta(hours=1))
        first, second = session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)).all()
        assert first.hold is not None and first.hold.held_until < now
        second_link = waitlist.entry_path("uji", waitlist.entry_token(SECRET, second.public_id))

    def holder() -> str | None:
        with db.read() as session:
            offered = session.scalar(
                select(WaitlistEntry).join(Booking, Booking.id == WaitlistEntry.hold_id)
                .where(Booking.status == "confirmed", Booking.held_until.is_not(None))
            )  # fmt: skip
            return offered.public_id if offered else None

    outbox = tmp_path / "data" / "outbox"

    def offer_delivered() -> bool:
        return any(second_link in path.read_text() for path in outbox.glob("**/*") if path.is_file())

    env = worker_env(database_url, tmp_path / "data", broker_url=broker_url)
    env["BOOKING_HOLD_SWEEP_SECONDS"] = "0.5"
    log = tmp_path / "data" / "worker.log"
    with running(["worker", "--beat"], env, log):
        assert wait_until(lambda: holder() == second.public_id, timeout=WORKER_DEADLINE_S), log.read_text()[-3000:]
        assert wait_until(offer_delivered, timeout=WORKER_DEADLINE_S), log.read_text()[-3000:]
    with db.read() as session:
        lapsed = session.get(Booking, first.hold_id)
        assert lapsed.status == "cancelled"
        held = session.scalars(select(Booking).where(Booking.held_until.is_not(None), Booking.status == "confirmed"))
        assert [(b.starts_at, b.counter_id) for b in held] == [(made[0].starts_at, made[0].counter_id)]
