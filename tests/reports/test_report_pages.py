"""The daily report page without a browser (both databases), over the seeded week of tests/reports/seed.py."""

from __future__ import annotations

import html
import re

import pytest

from tests.staff.test_staff_pages import sign_in

WEEK = "from=2026-11-29&to=2026-12-02"


@pytest.fixture
def office(client, seeded):
    return client


def rows(page: str) -> list[list[str]]:
    """The report table's body as text, cell by cell."""
    body = page.split('<table class="report">')[1].split("<tbody>")[1].split("</tbody>")[0]
    cells = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells.findall(row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_page_needs_a_signed_in_clerk(office):
    answer = office.get("/staff/laporan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"


def test_an_admin_sees_every_agency_together_day_by_day(office):
    sign_in(office, "kepala")
    page = office.get(f"/staff/laporan?{WEEK}")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert '<option value="" selected>Semua instansi</option>' in page.text
    # Sunday: dukcapil has no hours but samsat opens, so the site is open; Wednesday the site was closed.
    assert rows(page.text) == [
        ["Min, 29 Nov", "0", "0", "0", "0", "0", "–", "–", "–", "–", "–", "–"],
        ["Sen, 30 Nov", "1", "0", "1", "0", "0", "–", "–", "–", "–", "100%", "–"],
        ["Sel, 1 Des", "6", "3", "7", "2", "2", "7", "22", "11", "16,5", "67%", "08"],
        ["Rab, 2 Des", "Tutup: Listrik padam · Batal 1"],
    ]
    assert 'href="/staff/laporan/csv?from=2026-11-29&amp;to=2026-12-02"' in page.text
    assert 'href="/staff/laporan/skm"' in page.text  # the SKM report, beside this one


def test_one_agency_and_its_closed_sunday(office):
    sign_in(office, "kepala")
    page = office.get(f"/staff/laporan?{WEEK}&agency=dukcapil").text
    assert '<option value="dukcapil" selected>' in page
    assert rows(page)[0] == ["Min, 29 Nov", "Tutup: Tidak ada layanan pada hari Minggu"]
    assert rows(page)[2] == ["Sel, 1 Des", "6", "2", "6", "2", "2", "5,5", "17,5", "10", "15,6", "75%", "08"]


def test_the_charts_are_inline_svg_with_words_for_each_bar(office):
    sign_in(office, "kepala")
    page = office.get(f"/staff/laporan?{WEEK}&agency=dukcapil&lang=en").text
    assert page.count('<svg viewBox="0 0 640 260" role="img"') == 2
    assert "<title>Tuesday 1 December 2026: 6 served</title>" in page
    assert "<title>Sunday 29 November 2026: closed</title>" in page
    # dukcapil's arrivals at 08 waited 4, 10, 2 -> 2 4 10: median 4, p90 h = 1.8 -> 4 + 0.8 x 6 = 8.8
    assert "<title>08:00: median 4 min, p90 8.8 min</title>" in page


def test_a_clerk_sees_only_their_agency(office):
    sign_in(office, "ani")
    page = office.get(f"/staff/laporan?{WEEK}").text
    assert "Semua instansi" not in page and "Agency samsat" not in page
    assert rows(page)[2][:4] == ["Sel, 1 Des", "6", "2", "6"]
    refused = office.get(f"/staff/laporan?{WEEK}&agency=samsat")
    assert refused.status_code == 403 and "Anda tidak berhak melakukan ini." in refused.text
    assert office.get(f"/staff/laporan/csv?{WEEK}&agency=samsat").status_code == 403


def test_a_bad_range_is_said_by_the_field_and_the_dates_stay(office):
    sign_in(office, "kepala")
    page = office.get("/staff/laporan?from=2026-12-02&to=2026-11-29")
    assert page.status_code == 422
    assert (
        '<p class="field-error" id="to-error">Tanggal &#39;to&#39; tidak boleh sebelum &#39;from&#39;.</p>' in page.text
    )
    assert 'value="2026-12-02"' in page.text and 'value="2026-11-29"' in page.text
    too_long = office.get("/staff/laporan?from=2025-01-01&to=2026-01-02")
    assert too_long.status_code == 422 and "Rentang paling lama 366 hari." in too_long.text


def test_the_downloads_are_the_apis_files(office):
    sign_in(office, "kepala")
    csv_file = office.get(f"/staff/laporan/csv?{WEEK}&agency=dukcapil")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "2026-12-01,dukcapil,open,,6,2,6,2,2,5.5,17.5,10.0,15.6,0.75,08" in csv_file.text
    xlsx = office.get(f"/staff/laporan/xlsx?{WEEK}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip: the spreadsheet


def test_admin_laporan_leads_to_the_report(office):
    answer = office.get(f"/admin/laporan?{WEEK}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/staff/laporan?{WEEK}"
