"""The citizen's pages in a real browser (Debian's Chromium, headless) against a real HTTP server.

One server for the module, on SQLite, with the demo MPPs (real shape) and a tiny site of one counter and
one place per slot for races. The server runs in the test's process (tests/inprocess_server.py) on a clock
the test holds (07.00 on Monday 30 November 2026 in Blora): the first free time, the lead time and "today"
are the same at whatever hour the suite runs, so no time offered by one page has passed by the next.
Screenshots of every step go to test-artifacts/screenshots/. Without /usr/bin/chromium the module is
skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from booking.db import Database
from booking.demo import load_demo
from booking.http.app import create_app
from booking.messages import FIELD_ERRORS, PROBLEMS
from booking.migrate import upgrade
from booking.settings import Settings
from tests.factories import FixedClock, booking_body, make_site, nik
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow

PHONE = {"width": 360, "height": 640}
PAGE_BUDGET_BYTES = 60 * 1024
CLIENT_TIMEOUT_S = 60.0  # a bound, not a wait: the server shares a loaded machine with the browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-server")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    clock = FixedClock()
    with db.write() as session:
        load_demo(session, clock().date())
    make_site(db, slug="kecil", capacity=1, counters=1)

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data",
            database_url=url,
            secret_key="citizen-browser-secret",
            rate_limit_per_minute=0,
            public_url=base_url,
        )
        return create_app(settings, db=db, clock=clock)

    with serving(make_app=app) as base_url:
        yield base_url
    db.dispose()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=PHONE)
    yield _watched_page(context)
    context.close()


def _watched_page(context):
    """A page that records what the Content-Security-Policy blocked: a working page blocks nothing."""
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: _note_csp(page, message.text))
    return page


def _note_csp(page, text: str) -> None:
    if "Content Security Policy" in text:
        page.csp_violations.append(text)


def _first_open_start(server: str, site: str, service: str) -> str:
    days = httpx.get(f"{server}/api/v1/sites/{site}/services/{service}/availability", timeout=CLIENT_TIMEOUT_S)
    days = days.json()["days"]
    return next(slot["start"] for day in days for slot in day["slots"] if slot["remaining"] > 0)


def _book_by_api(server: str, site: str, service: str, n: int, start: str | None = None) -> dict:
    start = start or _first_open_start(server, site, service)
    answer = httpx.post(
        f"{server}/api/v1/sites/{site}/bookings", json=booking_body(start, n, service=service), timeout=CLIENT_TIMEOUT_S
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def walk_to_booking_form(page, server: str, prefix: str) -> None:
    """From the first page to the filled-in form of the first free time of an ID-card service."""
    page.goto(server + "/")
    shot(page, f"{prefix}-1-sites")
    page.get_by_role("link", name=re.compile("Kabupaten Blora")).click()
    shot(page, f"{prefix}-2-site")
    page.get_by_label("Nama layanan atau instansi").fill("KTP")
    page.get_by_role("button", name="Cari").click()
    shot(page, f"{prefix}-3-search")
    page.locator("ul.choices a").first.click()
    assert page.locator("ul.bring li").count() >= 1  # what to bring, before a day is chosen
    page.locator("li.day.open a").first.click()
    shot(page, f"{prefix}-4-days-and-times")
    page.locator("ul.times a").first.click()
    page.get_by_label("NIK").fill(nik(100 + len(prefix)))
    page.get_by_label("Nama lengkap").fill("Siti Aminah")
    page.get_by_label("Nomor HP").fill("081234567890")
    page.get_by_label("WhatsApp").check()
    shot(page, f"{prefix}-5-form")


def test_booking_from_the_first_page_to_the_confirmation_on_a_phone(page, server):
    walk_to_booking_form(page, server, "phone")
    page.get_by_role("button", name="Konfirmasi pemesanan").click()
    shot(page, "phone-6-confirmation")

    assert page.get_by_role("heading", level=1).inner_text() == "Pemesanan berhasil"
    code = page.get_by_test_id("booking-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert page.locator("svg.qr title").text_content().endswith(code)
    assert "WIB" in page.locator(".facts").inner_text() and "Loket" in page.locator(".facts").inner_text()
    manage_url = page.get_by_test_id("manage-link").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling

    token = manage_url.split("token=")[1]
    shown = httpx.get(f"{server}/api/v1/bookings/{code}", params={"token": token}, timeout=CLIENT_TIMEOUT_S)
    assert shown.status_code == 200
    assert shown.json()["status"] == "confirmed" and set(shown.json()["channels"]) == {"sms", "whatsapp"}

    with page.expect_download() as download:
        page.get_by_role("link", name="Simpan ke kalender (.ics)").click()
    assert b"BEGIN:VEVENT" in Path(download.value.path()).read_bytes()
    assert page.csp_violations == []


def test_cancel_and_reschedule_from_the_manage_link(page, server):
    made = _book_by_api(server, "blora", "DKP-01", 201)
    page.goto(made["manage_url"])
    shot(page, "manage-1-booking")
    assert page.get_by_test_id("booking-code").inner_text() == made["code"]
    assert page.locator("ul.reminders li").count() >= 1  # the confirmation message and its status

    page.get_by_role("link", name="Jadwalkan ulang").click()
    page.locator("li.day.open a").last.click()
    shot(page, "manage-2-reschedule")
    page.locator("fieldset.times-pick input[type=radio]").first.check()
    page.get_by_role("button", name="Pindahkan ke waktu ini").click()
    assert page.get_by_role("status").inner_text() == "Pemesanan telah dijadwalkan ulang."
    moved = httpx.get(
        f"{server}/api/v1/bookings/{made['code']}", params={"token": made["manage_token"]}, timeout=CLIENT_TIMEOUT_S
    ).json()
    assert moved["start"] != made["start"]

    page.get_by_role("link", name="Batalkan pemesanan").click()
    shot(page, "manage-3-cancel-question")
    page.get_by_role("button", name="Ya, batalkan").click()
    shot(page, "manage-4-cancelled")
    assert page.get_by_role("status").inner_text() == "Pemesanan telah dibatalkan."
    cancelled = httpx.get(
        f"{server}/api/v1/bookings/{made['code']}", params={"token": made["manage_token"]}, timeout=CLIENT_TIMEOUT_S
    ).json()
    assert cancelled["status"] == "cancelled"
    assert page.get_by_role("link", name="Batalkan pemesanan").count() == 0


def test_the_booking_form_carries_a_short_privacy_notice_by_its_button(page, server):
    walk_to_booking_form(page, server, "privacy")
    notice = page.get_by_test_id("privacy-notice")
    assert notice.is_visible()
    assert "disimpan sampai 90 hari setelah kunjungan" in notice.inner_text()
    button = page.get_by_role("button", name="Konfirmasi pemesanan").bounding_box()
    box = notice.bounding_box()
    assert 0 <= button["y"] - (box["y"] + box["height"]) < 100  # right above the button, not far away

    notice.get_by_role("link", name="Baca pemberitahuan privasi lengkap").click()
    shot(page, "privacy-notice-page")
    assert page.get_by_role("heading", level=1).inner_text() == "Pemberitahuan privasi"
    full = page.get_by_test_id("privacy-notice-full").inner_text()
    assert "Yang kami kumpulkan: NIK" in full and "pdp@mpp-blora.example" in full
    assert page.csp_violations == []


def test_erasing_my_data_from_the_manage_page(page, server):
    made = _book_by_api(server, "blora", "DKP-01", 202)
    page.goto(made["manage_url"])
    page.get_by_role("link", name="Data pribadi saya").click()
    shot(page, "erase-1-my-data")
    assert "Siti Aminah" in page.get_by_test_id("personal-data").inner_text()

    page.get_by_role("link", name="Hapus data saya").click()
    shot(page, "erase-2-question")
    assert page.get_by_role("heading", level=1).inner_text() == "Yakin ingin menghapus data pribadi Anda?"
    page.get_by_role("button", name="Ya, hapus data saya").click()
    shot(page, "erase-3-erased")
    assert page.get_by_role("status").inner_text() == "Data pribadi Anda telah dihapus."
    assert "Siti Aminah" not in page.get_by_test_id("personal-data").inner_text()

    page.goto(made["manage_url"])  # the link in the messages opens nothing any more
    shot(page, "erase-4-link-opens-nothing")
    assert "Data pribadi pemesanan ini sudah dihapus" in page.get_by_role("alert").inner_text()
    shown = httpx.get(
        f"{server}/api/v1/bookings/{made['code']}", params={"token": made["manage_token"]}, timeout=CLIENT_TIMEOUT_S
    )
    assert shown.status_code == 404
    assert page.csp_violations == []


def test_the_english_switch_is_remembered(page, server):
    page.goto(server + "/s/blora")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "english-1-site")
    page.get_by_label("Service or agency name").fill("paspor")
    page.get_by_role("button", name="Search").click()
    assert page.locator("html").get_attribute("lang") == "en"  # the cookie kept the choice
    assert page.get_by_role("link", name="Bahasa Indonesia").count() == 1


def test_a_wrong_nik_is_shown_by_the_field_and_the_other_input_is_kept(page, server):
    walk_to_booking_form(page, server, "wrong-nik")
    page.get_by_label("NIK").fill("3316")
    page.get_by_role("button", name="Konfirmasi pemesanan").click()
    shot(page, "wrong-nik-form-again")
    assert page.locator("#nik-error").inner_text() == FIELD_ERRORS["nik_format"]("id")
    assert page.get_by_label("NIK").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Nama lengkap").input_value() == "Siti Aminah"
    assert page.get_by_label("Nomor HP").input_value() == "081234567890"
    assert page.get_by_label("WhatsApp").is_checked()


def test_a_time_taken_meanwhile_gives_a_clear_message_and_fresh_times(page, server):
    start = _first_open_start(server, "kecil", "KTP")
    page.goto(f"{server}/s/kecil/layanan/KTP/pesan?{httpx.QueryParams({'start': start})}")
    page.get_by_label("NIK").fill(nik(301))
    page.get_by_label("Nama lengkap").fill("Budi Santoso")
    page.get_by_label("Nomor HP").fill("081234567891")
    _book_by_api(server, "kecil", "KTP", 302, start)  # someone else takes the only place meanwhile

    page.get_by_role("button", name="Konfirmasi pemesanan").click()
    shot(page, "slot-full-fresh-times")
    assert page.get_by_role("alert").inner_text() == PROBLEMS["slot_full"]("id")
    offered = page.locator("fieldset.times-pick input[type=radio]")
    assert offered.count() >= 1
    assert start not in [offered.nth(i).get_attribute("value") for i in range(offered.count())]
    assert page.get_by_label("Nama lengkap").input_value() == "Budi Santoso"

    offered.first.check()
    page.get_by_role("button", name="Konfirmasi pemesanan").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Pemesanan berhasil"


def test_the_whole_flow_works_without_javascript(chromium, server):
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = _watched_page(context)
    try:
        walk_to_booking_form(page, server, "nojs")
        page.get_by_role("button", name="Konfirmasi pemesanan").click()
        shot(page, "nojs-6-confirmation")
        code = page.get_by_test_id("booking-code").inner_text()
        page.get_by_role("link", name="Jadwalkan ulang").click()
        page.locator("fieldset.times-pick input[type=radio]").last.check()
        page.get_by_role("button", name="Pindahkan ke waktu ini").click()
        assert page.get_by_role("status").inner_text() == "Pemesanan telah dijadwalkan ulang."
        page.get_by_role("link", name="Batalkan pemesanan").click()
        page.get_by_role("button", name="Ya, batalkan").click()
        shot(page, "nojs-7-cancelled")
        assert page.get_by_role("status").inner_text() == "Pemesanan telah dibatalkan."
        assert page.get_by_test_id("booking-code").inner_text() == code
    finally:
        context.close()


@pytest.fixture(scope="module")
def flow_pages(server) -> dict[str, str]:
    """One address for every page of the flow, a booking's pages included."""
    made = _book_by_api(server, "blora", "DKP-01", 401)
    start = _first_open_start(server, "blora", "DKP-01")
    token = made["manage_token"]
    return {
        "sites": "/",
        "agencies": "/s/blora",
        "search": "/s/blora?q=ktp",
        "agency": "/s/blora?agency=dindukcapil",
        "days-and-times": "/s/blora/layanan/DKP-01",
        "form": f"/s/blora/layanan/DKP-01/pesan?{httpx.QueryParams({'start': start})}",
        "confirmation": f"/b/{made['code']}?token={token}&done=booked",
        "cancel": f"/b/{made['code']}/batal?token={token}",
        "reschedule": f"/b/{made['code']}/jadwal-ulang?token={token}",
        "privacy": "/s/blora/privasi",
        "my-data": f"/b/{made['code']}/data-pribadi?token={token}",
        "erase": f"/b/{made['code']}/hapus-data?token={token}",
        "english-form": f"/s/blora/layanan/DKP-01/pesan?{httpx.QueryParams({'start': start, 'lang': 'en'})}",
        "not-found": f"/b/{made['code']}?token=not-the-token",
    }


def _requests_of_navigation(page, url: str) -> list:
    requests: list = []

    def note(request) -> None:  # Playwright wants a Python function here, not a bound builtin
        requests.append(request)

    page.on("requestfinished", note)
    page.goto(url, wait_until="load")
    return requests


def test_every_page_of_the_flow_weighs_at_most_60_kb(chromium, server, flow_pages, record_property):
    weights = {}
    for name, path in flow_pages.items():
        context = chromium.new_context(viewport=PHONE)  # an empty cache: everything is transferred
        page = context.new_page()
        requests = _requests_of_navigation(page, server + path)
        sizes = [request.sizes() for request in requests]
        weights[name] = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
        context.close()
    record_property("page_weights_bytes", weights)
    print("page weights (KB):", {name: round(size / 1024, 1) for name, size in weights.items()})
    assert {name: size for name, size in weights.items() if size > PAGE_BUDGET_BYTES} == {}


def test_axe_finds_no_serious_or_critical_violation_on_any_page(chromium, server, flow_pages):
    axe = AXE_SOURCE.read_text()
    # bypass_csp only so that the test can inject axe; the pages themselves run no script
    context = chromium.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    found = {}
    for name, path in flow_pages.items():
        page.goto(server + path)
        found[name] = serious_violations(page, axe)
    page.goto(server + flow_pages["form"] + "&lang=id")  # the English page before left its cookie
    page.get_by_label("NIK").fill("12")
    page.get_by_role("button", name="Konfirmasi pemesanan").click()
    found["form-with-errors"] = serious_violations(page, axe)
    context.close()
    assert {name: violations for name, violations in found.items() if violations} == {}


def test_every_page_fits_a_320_px_screen(chromium, server, flow_pages):
    context = chromium.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    too_wide = {}
    for name, path in flow_pages.items():
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
    context.close()
    assert too_wide == {}


def test_the_form_can_be_used_with_the_keyboard_alone(page, server):
    start = _first_open_start(server, "blora", "DKP-01")
    page.goto(f"{server}/s/blora/layanan/DKP-01/pesan?{httpx.QueryParams({'start': start})}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop skips the header
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.get_by_label("NIK").focus()
    page.keyboard.type(nik(501))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("Dewi Lestari")
    page.keyboard.press("Tab")
    page.keyboard.type("081234567892")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # sends the form, as a button press would
    assert page.get_by_role("heading", level=1).inner_text() == "Pemesanan berhasil"
