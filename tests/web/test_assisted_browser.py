"""A clerk books for a citizen from the staff pages in a real browser (Debian's Chromium, headless, on a 360 px
phone and without JavaScript) against a real HTTP server: choose the service and the day, a time, the citizen's
details; the answer shows the code and manage link to hand over, the confirmation waits in the outbox, and the
schedule says who booked it. axe-core finds no serious or critical problem on the two pages.

The server runs in the test's process on a clock the test holds (07.00 on Monday 30 November 2026 in Blora)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Booking, Notification
from booking.settings import Settings
from tests.factories import PASSWORD, TOMORROW, FixedClock, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assisted-browser")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data", database_url=url, secret_key="assisted-browser-secret",
            rate_limit_per_minute=0, public_url=base_url,
        )  # fmt: skip
        return create_app(settings, db=db, clock=FixedClock())

    with serving(make_app=app) as base_url:
        yield base_url, db
    db.dispose()


def test_a_clerk_books_for_a_citizen_on_a_phone_without_javascript(chromium, desk):
    base_url, db = desk
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Nama pengguna").fill("ani")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base_url}/staff")

    page.get_by_role("link", name="Pesan untuk warga").click()
    page.get_by_label("Layanan").select_option("KTP")
    page.get_by_label("Tanggal").fill(TOMORROW.isoformat())
    page.get_by_role("button", name="Tampilkan jam").click()
    page.get_by_role("radio", name="09.00").check()
    page.get_by_label("NIK").fill(nik(7))
    page.get_by_label("Nama lengkap").fill("Sumarni")
    page.get_by_label("Nomor HP (boleh kosong)").fill("0812 3456 7890")
    assert page.evaluate(SIDEWAYS)[0] <= PHONE["width"]
    shot(page, "assisted-1-form-360")
    page.get_by_role("button", name="Konfirmasi pemesanan").click()  # as the notice read out names it

    code = page.get_by_test_id("booking-code").inner_text()
    link = page.get_by_test_id("manage-link").inner_text()
    assert link.startswith(f"{base_url}/b/{code}?token=")
    assert page.get_by_text("dibuat oleh ani").is_visible()
    assert page.evaluate(SIDEWAYS)[0] <= PHONE["width"]
    shot(page, "assisted-2-done-360")
    with db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.booked_by.username == "ani" and booking.citizen_phone == "+6281234567890"
        planned = session.scalars(select(Notification.kind).where(Notification.booking_id == booking.id)).all()
        assert "booking_confirmed" in planned  # the citizen's confirmation waits in the outbox

    page.get_by_role("link", name="« Kembali ke jadwal").click()
    assert page.get_by_text("dibuat oleh ani").is_visible()
    shot(page, "assisted-3-schedule-360")
    cookies = context.cookies()
    context.close()

    checked = chromium.new_context(viewport=PHONE, bypass_csp=True)  # only so the test can inject axe-core
    checked.add_cookies(cookies)
    page, axe, found = checked.new_page(), AXE_SOURCE.read_text(), {}
    for path in (f"/staff/pesan?service=KTP&date={TOMORROW}", f"/staff?date={TOMORROW}"):
        page.goto(base_url + path)
        if serious := serious_violations(page, axe):
            found[path] = serious
    checked.close()
    assert found == {}
