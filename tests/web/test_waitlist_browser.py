"""A citizen joins a full day's waiting list on a 360 px phone in a real browser (Debian's Chromium), a booked
citizen cancels, and a real worker delivers the offer to the outbox folder (the embedded file gateway); the
citizen opens the link from that message and accepts the place on the page, which becomes their booking.

The server runs in this process on a clock held at the moment the test starts, the worker on the real clock
(the hold lasts 30 minutes: far longer than the test); the day waited for is two days ahead, so no wall-clock
hour matters. axe-core finds no serious or critical problem on the join form, the entry page and the offer;
nothing scrolls sideways at 360 px."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from playwright.sync_api import expect

from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.settings import Settings
from tests.factories import WIB, FixedClock, at, booking_body, make_site
from tests.gateways import wait_until
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, phone_checker, shot
from tests.worker import WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}
TIMEOUT_S = 60
SECRET = "live-server-test-secret"  # worker_env's: the worker derives the offer's link with it
LINK = re.compile(r"http://antrian\.test(/s/uji/daftar-tunggu/[A-Za-z0-9_-]{38})")


def test_a_citizen_joins_on_a_phone_gets_the_offer_and_accepts_it(chromium, tmp_path):
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db, capacity=1, counters=1, closes=dt.time(9), break_=None)
    clock = FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    day = clock.now.astimezone(WIB).date() + dt.timedelta(days=2)
    settings = Settings(
        data_dir=tmp_path / "data", database_url=url, secret_key=SECRET, rate_limit_per_minute=0,
        public_url="http://antrian.test",
    )  # fmt: skip
    axe, found = AXE_SOURCE.read_text(), {}

    check = phone_checker(axe, found)

    with serving(create_app(settings, db=db, clock=clock)) as base:
        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as api:
            # full: the day and the two after it (the citizen waits for the first place in three days)
            booked = [api.post("/api/v1/sites/uji/bookings", json=booking_body(at(day + dt.timedelta(days=d), 8, m),
                                                                                 11 + 2 * d + n)).json()
                      for d in range(3) for n, m in ((0, 0), (1, 30))]  # fmt: skip
            assert all("code" in made for made in booked), booked
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
        phone = context.new_page()
        phone.goto(f"{base}/s/uji/layanan/KTP?date={day.isoformat()}")
        phone.get_by_test_id("join-waitlist").click()
        expect(phone.get_by_role("heading", level=1)).to_contain_text("Daftar tunggu")
        check(phone, "join form")
        phone.get_by_label("NIK (16 angka, sesuai KTP)").fill("3316011708850005")
        phone.get_by_label("Nama lengkap").fill("Budi Santoso")
        phone.get_by_label("Nomor HP").fill("081298765432")
        three_days = (day + dt.timedelta(days=2)).isoformat()
        phone.get_by_label("Tunggu tempat").select_option(three_days)
        shot(phone, "waitlist-1-join")
        phone.get_by_role("button", name="Masuk daftar tunggu").click()
        expect(phone.get_by_test_id("waitlist-position")).to_have_text("Posisi Anda di daftar tunggu: 1")
        expect(phone.get_by_role("heading", level=1)).to_contain_text(" s.d. ")  # the three days waited for
        shot(phone, "waitlist-2-position")
        check(phone, "entry")

        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as api:
            cancelled = api.post(
                f"/api/v1/bookings/{booked[0]['code']}/cancel", headers={"X-Booking-Token": booked[0]["manage_token"]}
            )
            assert cancelled.status_code == 200

        outbox, log = tmp_path / "data" / "outbox", tmp_path / "data" / "worker.log"

        def offer_link() -> str | None:
            for message in outbox.glob("*.txt") if outbox.exists() else ():
                if "daftar-tunggu" in (text := message.read_text()):
                    return LINK.search(text).group(1)
            return None

        with running(["worker", "--beat"], worker_env(url, tmp_path / "data"), log):
            assert wait_until(lambda: offer_link() is not None, timeout=WORKER_DEADLINE_S), log.read_text()[-3000:]
        phone.goto(base + offer_link())
        expect(phone.get_by_test_id("waitlist-offer")).to_be_visible()
        shot(phone, "waitlist-3-offer")
        check(phone, "offer")
        phone.get_by_test_id("waitlist-accept").click()
        expect(phone).to_have_url(re.compile(r"/b/[A-Z0-9]{4}-[A-Z0-9]{4}\?.*done=booked"))
        expect(phone.get_by_text("Tawaran dari daftar tunggu")).to_be_visible()
        shot(phone, "waitlist-4-booked")
        phone.go_back()
        phone.reload()
        expect(phone.get_by_role("status")).to_contain_text("Anda sudah menerima tempat ini")
        context.close()
    db.dispose()
    assert found == {}
