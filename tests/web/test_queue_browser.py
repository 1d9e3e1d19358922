"""The floor's day in a real browser (Debian's Chromium, headless), on a server in this process whose clock the
test holds (09.00 in Blora, whatever the hour of the run): a citizen types their booking code at the kiosk
(first mistyped, then with the network gone: the kiosk says so and makes nothing), gets their ticket,
follows it on their phone; a clerk calls the next citizen at /staff/antrian and the phone's page, reloading
by itself, says "Dipanggil ke Loket 1". axe-core finds no serious or critical problem on the kiosk, the
ticket's page and the clerk's queue; the ticket's page fits 360 px, weighs under 60 KB and prints as one 58
mm receipt. Two screenshots go to docs/ for the README."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from booking.bookings import BookingRequest, create_booking, display_code
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Site, Ticket
from booking.settings import Settings
from tests.factories import MONDAY_MORNING, PASSWORD, FixedClock, at, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.queue.conftest import TODAY, local
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs"
TABLET = {"width": 800, "height": 1280}
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1024, "height": 768}
PAGE_BUDGET_BYTES = 60 * 1024
RECEIPT_WIDTH_PT = 58 / 25.4 * 72  # 58 mm in PDF points
WAIT_MS = 60_000  # the ticket's page reloads itself every 20 s; a loaded machine gets time


@pytest.fixture
def floor(tmp_path):
    """A server on a clock held at 09.00, with a citizen booked for 09.00 today and a clerk."""
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        request = BookingRequest(
            service="KTP", start=at(TODAY, 9), nik=nik(1), name="Siti Aminah", phone="081234567890"
        )
        made = create_booking(session, site, request, now=MONDAY_MORNING - dt.timedelta(hours=12), secret_key="s")
        code = display_code(made.booking.code)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        secret_key="s",
        rate_limit_per_minute=0,
        public_url="http://antrian.test",
    )
    with serving(create_app(settings, db=db, clock=FixedClock(local(9)))) as base_url:
        yield base_url, db, code
    db.dispose()


def tickets(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def weight(chromium, url: str) -> int:
    """Bytes a first visit transfers (HTML, CSS, images: everything the page asks for), cache empty."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    requests: list = []

    def note(request) -> None:
        requests.append(request)

    page.on("requestfinished", note)
    page.goto(url, wait_until="load")
    sizes = [request.sizes() for request in requests]
    context.close()
    return sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)


def test_kiosk_ticket_call_and_the_phone_page_that_follows_it(chromium, floor):
    base_url, db, code = floor
    DOCS.mkdir(exist_ok=True)

    # the kiosk: a mistyped code, then the network drops as the citizen presses the button: nothing is made,
    # and the kiosk says so
    kiosk_context = chromium.new_context(viewport=TABLET)
    kiosk = kiosk_context.new_page()
    kiosk.goto(f"{base_url}/kiosk/uji")
    code_field = kiosk.get_by_label("Ketik kode pemesanan atau pindai kode QR-nya")
    code_field.fill("ZZZZ-ZZZZ")  # a mistyped code: the script shows the kiosk's answer in place
    kiosk.get_by_role("button", name="Ambil nomor").click()
    expect(kiosk.get_by_test_id("kiosk-message")).to_contain_text("Kode pemesanan “ZZZZ-ZZZZ” tidak ditemukan")
    code_field.fill(code.lower())
    kiosk_context.set_offline(True)
    kiosk.get_by_role("button", name="Ambil nomor").click()
    expect(kiosk.locator("#offline")).to_be_visible(timeout=WAIT_MS)
    assert "Koneksi ke server terputus" in kiosk.locator("#offline").inner_text()
    assert tickets(db) == 0 and kiosk.url == f"{base_url}/kiosk/uji"
    shot(kiosk, "queue-1-kiosk-offline")
    kiosk_context.set_offline(False)
    kiosk.get_by_role("button", name="Ambil nomor").click()
    kiosk.wait_for_url(f"{base_url}/kiosk/uji/tiket/A-001", timeout=WAIT_MS)
    expect(kiosk.get_by_test_id("ticket-number")).to_have_text("A-001")
    expect(kiosk.get_by_role("button", name="Cetak nomor")).to_be_visible()  # the script shows it
    link = kiosk.locator(".queue-ticket .link").inner_text()
    assert link == "http://antrian.test/t/uji/A-001" and tickets(db) == 1
    shot(kiosk, "queue-2-kiosk-ticket")
    kiosk.screenshot(path=str(DOCS / "queue-kiosk-ticket.png"))
    for _ in range(2):  # two walk-ins come in after; a booked citizen whose time has come goes before them
        walk_in = httpx.post(f"{base_url}/api/v1/sites/uji/arrivals", json={"service": "KTP"}, timeout=60)
        assert walk_in.status_code == 201, walk_in.text

    # the citizen's phone, on the ticket's page (what the QR code opens)
    phone_context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.goto(base_url + link.removeprefix("http://antrian.test"))
    expect(phone.get_by_test_id("ticket-status")).to_have_text("Menunggu dipanggil")
    expect(phone.get_by_test_id("ticket-ahead")).to_have_text("Anda berikutnya")
    shot(phone, "queue-3-phone-waiting")

    # the clerk at Loket 1 calls the next citizen
    desk_context = chromium.new_context(viewport=DESK)
    desk = desk_context.new_page()
    desk.goto(f"{base_url}/staff/login")
    desk.get_by_label("Nama pengguna").fill("ani")
    desk.get_by_label("Kata sandi").fill(PASSWORD)
    desk.get_by_role("button", name="Masuk").click()
    desk.wait_for_url(f"{base_url}/staff")
    desk.get_by_role("link", name="Antrian loket").click()
    desk.get_by_label("Loket Anda").select_option("Loket 1")
    desk.get_by_role("button", name="Pilih loket").click()
    desk.get_by_role("button", name="Panggil berikutnya").click()
    expect(desk.get_by_test_id("desk-notice")).to_have_text("A-001 dipanggil ke Loket 1.")
    expect(desk.get_by_test_id("desk-current")).to_have_text("A-001")
    shot(desk, "queue-4-desk-called")
    desk.screenshot(path=str(DOCS / "queue-desk.png"), full_page=True)

    # the phone's page reloads by itself and tells the citizen where to go
    expect(phone.get_by_test_id("ticket-status")).to_have_text(
        "Dipanggil ke Loket 1: silakan menuju loket", timeout=WAIT_MS
    )
    shot(phone, "queue-5-phone-called")
    cookies = desk_context.cookies()
    for context in (kiosk_context, phone_context, desk_context):
        context.close()

    # the ticket's page on a 360 px phone: nothing scrolls sideways, and the first visit stays under 60 KB
    phone_context = chromium.new_context(viewport=PHONE)
    phone = phone_context.new_page()
    phone.goto(f"{base_url}/t/uji/A-001")
    scroll_width, client_width = phone.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width == 360
    # on paper: one 58 mm receipt, the number on it
    receipt = phone.pdf(prefer_css_page_size=True, print_background=False)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", receipt)
    assert len(boxes) == 1 and abs(float(boxes[0][0]) - RECEIPT_WIDTH_PT) < 1, boxes
    phone_context.close()
    transferred = weight(chromium, f"{base_url}/t/uji/A-001")
    print(f"ticket page, first visit: {transferred / 1024:.1f} KB")
    assert transferred < PAGE_BUDGET_BYTES, transferred

    # axe-core: the kiosk's pages, the ticket's page and the clerk's queue
    axe = AXE_SOURCE.read_text()
    checked = chromium.new_context(viewport=TABLET, bypass_csp=True)  # only so the test can inject axe-core
    checked.add_cookies(cookies)
    page = checked.new_page()
    found = {}
    for path in (
        "/kiosk/uji",
        "/kiosk/uji/instansi/dukcapil",
        "/kiosk/uji/layanan/KTP",
        "/kiosk/uji/tiket/A-001",
        "/t/uji/A-001",
        "/staff/antrian",
    ):
        page.goto(base_url + path)
        if serious := serious_violations(page, axe):
            found[path] = serious
    checked.close()
    assert found == {}
