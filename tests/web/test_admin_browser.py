"""The admin pages in a real browser (Debian's Chromium, headless) against a real HTTP server: an admin
signs in, closes the site tomorrow afternoon, sees the citizens it affects, confirms, and their cancellation
notices are in the outbox; changes Friday's hours; creates a clerk and disables them (the clerk's token stops
working at once); retires a service (gone from the citizen pages); axe-core finds no serious or critical
problem on any admin page. Screenshots go to test-artifacts/screenshots/.

The server runs in the test's process (tests/inprocess_server.py) on a clock the test holds: 07.00 on
Monday 30 November 2026 in Blora, so "tomorrow" is Tuesday 1 December whatever the hour the suite runs."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking, display_code
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Booking, Notification, Site
from booking.settings import Settings
from tests.factories import PASSWORD, TOMORROW, FixedClock, at, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 800, "height": 1100}
SECRET_KEY = "admin-browser-secret"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A site open 08.00-16.00 every day, three citizens booked for tomorrow (one in the morning, two in
    the afternoon), its admin, and a server on the test's clock."""
    folder = tmp_path_factory.mktemp("admin-browser")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db, closes=dt.time(16), break_=None)
    make_staff(db, "kepala", role="admin")
    clock = FixedClock()
    codes = {}
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        for n, hour in ((1, 9), (2, 13), (3, 14)):
            request = BookingRequest(
                service="KTP", start=at(TOMORROW, hour), nik=nik(n), name="Siti Aminah", phone="081234567890"
            )
            made = create_booking(session, site, request, now=clock() - dt.timedelta(days=2), secret_key=SECRET_KEY)
            codes[hour] = display_code(made.booking.code)

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data", database_url=url, secret_key=SECRET_KEY, rate_limit_per_minute=0,
            public_url=base_url,
        )  # fmt: skip
        return create_app(settings, db=db, clock=clock)

    with serving(make_app=app) as base_url:
        yield base_url, db, codes
    db.dispose()


def cancellations(db, code: str) -> list[str]:
    """The booking's cancellation notices in the outbox: one row per channel."""
    with db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        return list(
            session.scalars(
                select(Notification.channel).where(
                    Notification.booking_id == booking.id, Notification.kind == "booking_cancelled"
                )
            )
        )


def sign_in(page, base_url: str, path: str = "/admin") -> None:
    page.goto(base_url + path)
    assert "/staff/login" in page.url
    page.get_by_label("Nama pengguna").fill("kepala")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(base_url + path)


def test_an_admin_closes_tomorrow_afternoon_after_seeing_whom_it_affects(chromium, office):
    base_url, db, codes = office
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, base_url, "/admin/penutupan")
    page.get_by_label("Tanggal mulai").fill(str(TOMORROW))
    page.get_by_label("Tutup mulai pukul").fill("12:00")
    page.get_by_label("Alasan (dibaca warga)").fill("Listrik padam")
    page.get_by_role("button", name="Periksa dan simpan").click()

    affected = page.get_by_role("region", name="2 warga sudah memesan pada waktu itu")
    expect(affected).to_be_visible()
    assert affected.get_by_text(codes[13]).is_visible() and affected.get_by_text(codes[14]).is_visible()
    assert affected.get_by_text(codes[9]).count() == 0
    assert cancellations(db, codes[13]) == []  # nothing is done before the admin confirms
    shot(page, "admin-1-closure-affected")

    page.get_by_role("button", name="Tutup dan batalkan 2 pemesanan").click()
    saved = "Penutupan disimpan; 2 pemesanan dibatalkan dan warga diberi tahu."
    expect(page.get_by_role("status")).to_have_text(saved)
    assert page.get_by_role("cell", name="Listrik padam").is_visible()
    shot(page, "admin-2-closure-saved")
    assert cancellations(db, codes[13]) == ["sms"] and cancellations(db, codes[14]) == ["sms"]
    assert cancellations(db, codes[9]) == []
    context.close()


def test_an_admin_changes_fridays_hours_on_a_tablet(chromium, office):
    base_url, _db, _codes = office
    context = chromium.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, base_url, "/admin/loket")
    page.get_by_role("link", name="Atur Loket 1").click()
    friday = page.get_by_role("group", name="Jumat 08.00–16.00")
    friday.get_by_label("Tutup", exact=True).fill("11:30")
    friday.get_by_role("button", name="Simpan jam buka Jumat 08.00–16.00").click()
    expect(page.get_by_role("status")).to_have_text("Jam buka Loket 1 disimpan.")
    week = page.locator("ul.week li").nth(4)
    expect(week).to_contain_text("08.00–11.30")
    assert week.inner_text().startswith("Jumat") and "08.00–11.30" in week.inner_text()
    assert "08.00–16.00" in page.locator("ul.week li").nth(3).inner_text()  # Thursday as it was
    shot(page, "admin-3-friday-hours")
    context.close()


def test_an_admin_creates_a_clerk_then_disables_them_and_their_token_stops_at_once(chromium, office):
    base_url, _db, _codes = office
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, base_url, "/admin/akun")
    page.get_by_label("Nama pengguna").fill("citra")
    page.get_by_label("Peran").select_option("staff")
    page.get_by_label("Instansi (untuk petugas)").select_option("dukcapil")
    page.get_by_label("Kata sandi awal").fill(PASSWORD)
    page.get_by_role("button", name="Buat akun").click()
    expect(page.get_by_role("status")).to_have_text("Akun citra dibuat.")
    shot(page, "admin-4-clerk-created")

    with httpx.Client(base_url=base_url) as api:
        login = api.post("/api/v1/auth/token", json={"username": "citra", "password": PASSWORD})
        token = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert api.get("/api/v1/staff/schedule", headers=token).status_code == 200
        page.get_by_role("button", name="Nonaktifkan citra").click()
        expect(page.get_by_role("status")).to_have_text("Akun citra dinonaktifkan.")
        assert api.get("/api/v1/staff/schedule", headers=token).status_code == 401
    shot(page, "admin-5-clerk-disabled")
    context.close()


def test_an_admin_retires_a_service_and_citizens_no_longer_find_it(chromium, office):
    base_url, _db, _codes = office
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{base_url}/s/uji?agency=dukcapil")
    assert page.get_by_text("Kartu Keluarga baru").count() == 1
    sign_in(page, base_url, "/admin/layanan")
    page.get_by_role("button", name="Nonaktifkan layanan KK").click()
    expect(page.get_by_role("status")).to_have_text("Layanan KK dinonaktifkan.")
    assert page.get_by_role("button", name="Aktifkan lagi layanan KK").is_visible()  # kept, with its history
    shot(page, "admin-6-service-retired")
    page.goto(f"{base_url}/s/uji?agency=dukcapil")
    assert page.get_by_text("Perekaman KTP-el").count() == 1
    assert page.get_by_text("Kartu Keluarga baru").count() == 0
    assert page.goto(f"{base_url}/s/uji/layanan/KK").status == 404
    context.close()


ADMIN_PAGES = (
    "/admin", "/admin/pengaturan", "/admin/layanan", "/admin/layanan/KTP", "/admin/loket", "/admin/loket/Loket%201",
    "/admin/penutupan", "/admin/akun", "/admin/akun/kepala", "/admin/audit", "/admin/audit?date=kemarin",
)  # fmt: skip


def test_every_admin_page_passes_axe_and_works_without_javascript(chromium, office):
    base_url, _db, _codes = office
    context = chromium.new_context(viewport=LAPTOP, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base_url, "/admin/akun")
    page.get_by_label("Nama pengguna").fill("Bukan Nama!")
    page.get_by_role("button", name="Buat akun").click()  # errors by the field, without a script
    expect(page.locator(".field-error")).to_have_count(3)
    cookies = context.cookies()
    context.close()

    axe = AXE_SOURCE.read_text()
    checked = chromium.new_context(viewport=LAPTOP, bypass_csp=True)  # only so the test can inject axe
    checked.add_cookies(cookies)
    page = checked.new_page()
    found = {}
    for path in ADMIN_PAGES:
        page.goto(base_url + path)
        assert "/staff/login" not in page.url, path
        if serious := serious_violations(page, axe):
            found[path] = serious
    # the forms as they stand after a refusal: errors by the field, and the list of affected bookings
    page.goto(base_url + "/admin/akun")
    page.get_by_role("button", name="Buat akun").click()
    expect(page.locator(".field-error").first).to_be_visible()
    if serious := serious_violations(page, axe):
        found["account errors"] = serious
    page.goto(base_url + "/admin/loket/Loket%201")
    page.get_by_role("button", name="Tambah jam buka").click()
    expect(page.locator(".field-error").first).to_be_visible()
    if serious := serious_violations(page, axe):
        found["rule errors"] = serious
    page.goto(base_url + "/admin/penutupan")
    page.get_by_label("Tanggal mulai").fill(str(TOMORROW))
    page.get_by_label("Alasan (dibaca warga)").fill("Banjir")
    page.get_by_role("button", name="Periksa dan simpan").click()
    # the morning booking at least, whichever of the tests above ran first
    expect(page.get_by_role("heading", name=re.compile(r"^[1-3] warga sudah memesan pada waktu itu$"))).to_be_visible()
    if serious := serious_violations(page, axe):
        found["closure affected"] = serious
    checked.close()
    assert found == {}
