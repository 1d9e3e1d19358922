"""Beat's no-show sweep through a real worker and broker: a booking nobody checked in by the end of its
site's grace period becomes a no-show; one checked in is left alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking
from booking.models import AuditEntry, Booking, BookingStatus, Site
from tests.factories import WIB, at, make_site, nik
from tests.gateways import wait_until
from tests.worker import WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow


def test_beat_marks_bookings_nobody_checked_in(database_url, db, broker_url, tmp_path):
    make_site(db)
    yesterday = dt.datetime.now(WIB).date() - dt.timedelta(days=1)
    codes = []
    with db.write() as session:  # booked three days ago for yesterday morning
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        for n in (1, 2):
            request = BookingRequest(
                service="KTP", start=at(yesterday, 8), nik=nik(n), name="Siti", phone="081234567890"
            )
            made = create_booking(
                session, site, request, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=3), secret_key="x"
            )
            codes.append(made.booking.code)
        session.flush()
        arrived = session.scalar(select(Booking).where(Booking.code == codes[1]))
        arrived.status = BookingStatus.checked_in

    env = worker_env(database_url, tmp_path / "data", broker_url=broker_url)
    env["BOOKING_NO_SHOW_SWEEP_SECONDS"] = "0.5"

    def status(code: str) -> str:
        with db.read() as session:
            return session.scalar(select(Booking.status).where(Booking.code == code))

    with running(["worker", "--beat"], env, tmp_path / "data" / "worker.log"):
        assert wait_until(lambda: status(codes[0]) == "no_show", timeout=WORKER_DEADLINE_S), (
            tmp_path / "data" / "worker.log"
        ).read_text()[-3000:]
    assert status(codes[1]) == "checked_in"
    with db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.no_show"))
        assert entry.actor == "system" and entry.target == f"booking:{codes[0]}"
