"""The staff pages in a real browser (Debian's Chromium, headless) against a real HTTP server: a clerk
signs in, sees the day's schedule, checks a citizen in and marks them served; axe-core finds no serious or
critical problem on the staff pages. Screenshots go to test-artifacts/screenshots/.

The server runs in the test's process (tests/inprocess_server.py) on a clock the test holds: 07.00 on
Monday 30 November 2026 in Blora, so "today", its schedule and a walk-in's slot are the same at whatever
hour the suite runs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking, display_code
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Booking, Site
from booking.settings import Settings
from tests.factories import MONDAY_MORNING, PASSWORD, FixedClock, at, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow
DESK = {"width": 1024, "height": 768}
SECRET_KEY = "staff-browser-secret"
TODAY = MONDAY_MORNING.date()


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A server whose site has two citizens booked for today (booked two days ago) and a clerk."""
    folder = tmp_path_factory.mktemp("staff-browser")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    clock = FixedClock()
    codes = []
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        for n, hour in ((1, 8), (2, 9)):
            request = BookingRequest(
                service="KTP", start=at(TODAY, hour), nik=nik(n), name="Siti Aminah", phone="081234567890"
            )
            made = create_booking(session, site, request, now=clock() - dt.timedelta(days=2), secret_key=SECRET_KEY)
            codes.append(display_code(made.booking.code))

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data",
            database_url=url,
            secret_key=SECRET_KEY,
            rate_limit_per_minute=0,
            public_url=base_url,
        )
        return create_app(settings, db=db, clock=clock)

    with serving(make_app=app) as base_url:
        yield base_url, db, codes
    db.dispose()


def status_of(db, code: str) -> str:
    with db.read() as session:
        return session.scalar(select(Booking.status).where(Booking.code == code.replace("-", "")))


def test_a_clerk_signs_in_checks_a_citizen_in_and_serves_them(chromium, desk):
    base_url, db, codes = desk
    context = chromium.new_context(viewport=DESK)
    page = context.new_page()
    page.goto(f"{base_url}/staff")
    assert page.url.endswith("/staff/login")
    shot(page, "staff-1-login")
    page.get_by_label("Nama pengguna").fill("ani")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base_url}/staff")
    assert page.get_by_role("heading", name="Jadwal Dinas Kependudukan dan Pencatatan Sipil").is_visible()
    for code in codes:
        assert page.get_by_text(code).is_visible()
    shot(page, "staff-2-schedule")

    page.get_by_role("button", name=f"Check-in {codes[0]}").click()
    assert page.get_by_role("status").inner_text() == f"{codes[0]}: sudah check-in."
    assert status_of(db, codes[0]) == "checked_in"
    shot(page, "staff-3-checked-in")

    page.get_by_role("button", name=f"Selesai dilayani {codes[0]}").click()
    assert page.get_by_role("status").inner_text() == f"{codes[0]}: selesai dilayani."
    assert status_of(db, codes[0]) == "served"
    shot(page, "staff-4-served")

    page.get_by_label("Kode pemesanan atau pindai QR").fill(codes[1].lower())
    page.get_by_role("button", name="Check-in", exact=True).click()
    assert status_of(db, codes[1]) == "checked_in"
    context.close()


def test_the_staff_pages_work_without_javascript_and_pass_axe(chromium, desk):
    base_url, _db, _codes = desk
    context = chromium.new_context(viewport=DESK, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Nama pengguna").fill("ani")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base_url}/staff")
    page.get_by_role("link", name="Tambah walk-in").click()
    page.get_by_label("NIK").fill("3316011708859999")
    page.get_by_label("Nama lengkap").fill("Budi Santoso")
    page.get_by_role("button", name="Daftarkan walk-in").click()
    assert "walk-in terdaftar" in page.get_by_role("status").inner_text()
    shot(page, "staff-5-walk-in")
    cookies = context.cookies()
    context.close()

    axe = AXE_SOURCE.read_text()
    checked = chromium.new_context(viewport=DESK, bypass_csp=True)  # only so the test can inject axe
    checked.add_cookies(cookies)
    page = checked.new_page()
    found = {}
    for path in ("/staff", "/staff/walk-in", "/staff/print", "/staff/login"):
        page.goto(base_url + path)
        if serious := serious_violations(page, axe):
            found[path] = serious
    checked.close()
    assert found == {}
