"""A citizen books a chain of two services on a 360 px phone in a real browser (Debian's Chromium): picks the
services and a day, takes the first proposed chain, gives their details, and lands on the lead's page listing both
bookings. axe-core finds no serious or critical problem on the visit page; nothing scrolls sideways at 360 px.

The server runs in this process on a clock held at the moment the test starts; the visit is two days ahead, so
no wall-clock hour matters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.settings import Settings
from tests.factories import WIB, FixedClock, add_agency, make_site
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, phone_checker, shot

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}


def test_a_citizen_books_a_chain_of_two_services_on_a_phone(chromium, tmp_path):
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db, capacity=2, counters=2)
    add_agency(db, "uji", "bpjs", "BPJS", "Loket BPJS", capacity=1)
    clock = FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    day = clock.now.astimezone(WIB).date() + dt.timedelta(days=2)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, secret_key="visit-page", rate_limit_per_minute=0)
    axe, found = AXE_SOURCE.read_text(), {}

    check = phone_checker(axe, found)

    with serving(create_app(settings, db=db, clock=clock)) as base:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
        phone = context.new_page()
        phone.goto(f"{base}/s/uji")
        phone.get_by_test_id("visit-link").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Beberapa layanan dalam satu kunjungan")
        check(phone, "choose")
        phone.locator("input[name=services][value=KTP]").check()
        phone.locator("input[name=services][value=BPJS]").check()
        phone.get_by_label("Hari kunjungan").select_option(day.isoformat())
        phone.get_by_role("button", name="Tampilkan waktu").click()
        first = phone.locator("label.visit-chain").first
        expect(first).to_contain_text("Perekaman KTP-el")
        expect(first).to_contain_text("Agency bpjs, Loket BPJS")
        expect(first.locator("input[type=radio]")).to_be_checked()
        phone.get_by_label("NIK (16 angka, sesuai KTP)").fill("3316011708850005")
        phone.get_by_label("Nama lengkap").fill("Budi Santoso")
        phone.get_by_label("Nomor HP").fill("081298765432")
        shot(phone, "visit-1-chain")
        check(phone, "chains and details")
        phone.get_by_role("button", name="Pesan kunjungan ini").click()
        expect(phone).to_have_url(re.compile(r"/b/[A-Z0-9]{4}-[A-Z0-9]{4}\?.*done=booked"))
        listed = phone.get_by_test_id("visit")
        expect(listed.locator("li")).to_have_count(2)
        expect(listed).to_contain_text("Perekaman KTP-el")
        expect(listed).to_contain_text("Service BPJS")
        shot(phone, "visit-2-booked")
        check(phone, "lead's page")
        context.close()
    db.dispose()
    assert found == {}
