"""The daily report in a real browser (Debian's Chromium) against a real HTTP server: the site's admin opens
the report, switches agency and range, downloads the CSV; axe-core finds nothing serious or critical.

The data is the seeded week of tests/reports/seed.py (its figures are worked out there); the server runs in
the test's process on a clock the test holds (07.00 on Monday 30 November 2026 in Blora)."""

from __future__ import annotations

import csv
import io

import pytest

from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.settings import Settings
from tests.factories import PASSWORD, FixedClock, make_staff
from tests.inprocess_server import serving
from tests.reports.seed import seed_week
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports-browser")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    seed_week(db)
    make_staff(db, "kepala", role="admin")
    clock = FixedClock()

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data", database_url=url, secret_key="reports-browser", rate_limit_per_minute=0,
            public_url=base_url,
        )  # fmt: skip
        return create_app(settings, db=db, clock=clock)

    with serving(make_app=app) as base_url:
        yield base_url
    db.dispose()


def cells(page, row: int) -> list[str]:
    return [text.strip() for text in page.locator("table.report tbody tr").nth(row).locator("th, td").all_inner_texts()]


def test_an_admin_switches_agency_and_range_and_downloads_the_csv(chromium, office):
    axe = AXE_SOURCE.read_text()
    context = chromium.new_context(viewport=DESK, accept_downloads=True, bypass_csp=True)  # axe is a script
    page = context.new_page()
    page.goto(f"{office}/staff/login")
    page.get_by_label("Nama pengguna").fill("kepala")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(f"{office}/staff")
    page.get_by_role("link", name="Laporan").click()
    page.wait_for_url("**/staff/laporan")
    assert page.get_by_role("heading", name="Laporan harian").is_visible()
    # the default: the week up to today (Monday 30 November), every agency together
    assert page.get_by_label("Sampai tanggal").input_value() == "2026-11-30"
    assert page.get_by_label("Instansi", exact=True).input_value() == ""
    assert serious_violations(page, axe) == []

    page.get_by_label("Dari tanggal").fill("2026-11-29")
    page.get_by_label("Sampai tanggal").fill("2026-12-02")
    page.get_by_label("Instansi", exact=True).select_option("dukcapil")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**agency=dukcapil**")
    assert cells(page, 0) == ["Min, 29 Nov", "Tutup: Tidak ada layanan pada hari Minggu"]
    assert cells(page, 2) == ["Sel, 1 Des", "6", "2", "6", "2", "2", "5,5", "17,5", "10", "15,6", "75%", "08"]
    assert cells(page, 3)[1].startswith("Tutup: Listrik padam")
    assert page.get_by_role("img", name="Dilayani per hari").is_visible()
    assert page.get_by_role("img", name="Median waktu tunggu menurut jam kedatangan").is_visible()
    assert serious_violations(page, axe) == []
    shot(page, "reports-1-daily-dukcapil")
    page.emulate_media(media="print")
    shot(page, "reports-2-daily-print")
    assert not page.get_by_role("button", name="Tampilkan").is_visible()  # the form is not printed
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh CSV").click()
    assert download.value.suggested_filename == "laporan-harian-uji-dukcapil-2026-11-29-2026-12-02.csv"
    lines = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [(line["date"], line["status"]) for line in lines] == [
        ("2026-11-29", "closed"), ("2026-11-30", "open"), ("2026-12-01", "open"), ("2026-12-02", "closed"),
    ]  # fmt: skip
    assert (lines[2]["served"], lines[2]["wait_median_minutes"], lines[2]["wait_p90_minutes"]) == ("6", "5.5", "17.5")

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the table scrolls in its box
    shot(page, "reports-3-daily-phone")
    context.close()
