"""GET /api/v1/admin/reports/daily over the seeded week (tests/reports/seed.py; the figures are worked out
there and in test_daily_report.py): who may ask for what, bad ranges, JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.factories import bearer
from tests.reports.seed import SUNDAY, TUESDAY, WEDNESDAY

DAILY = "/api/v1/admin/reports/daily"
WEEK = {"from": SUNDAY.isoformat(), "to": WEDNESDAY.isoformat()}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def office(client, seeded):
    return {"ani": bearer(client, "ani"), "admin": bearer(client, "kepala")}


def test_an_admin_reads_every_agency_of_the_site(client, office):
    answer = client.get(DAILY, params=WEEK, headers=office["admin"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["site"], body["timezone"], body["from"], body["to"], body["agency"]) == (
        "uji", "Asia/Jakarta", "2026-11-29", "2026-12-02", None,
    )  # fmt: skip
    assert [(d["date"], d["agency"]["slug"]) for d in body["days"][:2]] == [
        ("2026-11-29", "samsat"),  # "Agency samsat" before "Dinas Kependudukan ...": the site's order
        ("2026-11-29", "dukcapil"),
    ]
    tuesday = next(d for d in body["days"] if d["date"] == "2026-12-01" and d["agency"]["slug"] == "dukcapil")
    assert {key: tuesday[key] for key in ("booked", "walk_ins", "served", "no_show", "cancelled")} == {
        "booked": 6, "walk_ins": 2, "served": 6, "no_show": 2, "cancelled": 2,
    }  # fmt: skip
    assert tuesday["wait_minutes"] == {"median": 5.5, "p90": 17.5}
    assert tuesday["service_minutes"] == {"median": 10.0, "p90": 15.6}
    assert (tuesday["status"], tuesday["reason"], tuesday["online_share"]) == ("open", None, 0.75)
    assert tuesday["busiest_hours"] == [8]
    assert [(h["hour"], h["arrivals"]) for h in tuesday["arrivals_by_hour"]] == [(8, 3), (9, 2), (10, 1)]
    sunday = body["days"][1]
    assert (sunday["status"], sunday["reason"], sunday["wait_minutes"]) == (
        "closed", "Tidak ada layanan pada hari Minggu", {"median": None, "p90": None},
    )  # fmt: skip
    assert [t["status"] for t in body["totals"]] == ["open", "open", "open", "closed"]
    assert body["totals"][2]["wait_minutes"] == {"median": 7.0, "p90": 22.0}
    assert body["wait_by_hour"][0] == {"hour": 8, "wait_minutes": {"median": 7.0, "p90": 17.0}}


def test_the_reason_of_a_closed_day_is_in_the_callers_language(client, office):
    headers = {**office["admin"], "Accept-Language": "en"}
    body = client.get(DAILY, params=WEEK, headers=headers).json()
    assert [d["reason"] for d in body["days"] if d["date"] == "2026-12-02"] == ["Power cut", "Power cut"]


def test_a_clerk_reads_their_own_agency_and_no_other(client, office):
    own = client.get(DAILY, params=WEEK, headers=office["ani"])
    assert own.status_code == 200
    assert {d["agency"]["slug"] for d in own.json()["days"]} == {"dukcapil"}
    assert own.json()["agency"] == {"slug": "dukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil"}
    other = client.get(DAILY, params={**WEEK, "agency": "samsat"}, headers=office["ani"])
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    assert client.get(DAILY, params=WEEK).status_code == 401


def test_an_unknown_agency_is_not_found(client, office):
    answer = client.get(DAILY, params={**WEEK, "agency": "nope"}, headers=office["admin"])
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("first", "last", "error"),
    [
        ("2026-01-01", "2027-01-02", "range_too_long"),  # 367 days: a year (366) and one more
        ("2026-12-01", "2026-11-30", "range_reversed"),
        ("2026-12-01", "1 Dec", "date_format"),
    ],
)
def test_a_bad_range_is_422(client, office, first, last, error):
    answer = client.get(DAILY, params={"from": first, "to": last}, headers=office["admin"])
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "validation_error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("to", error)]


def test_a_year_is_allowed(client, office):
    answer = client.get(DAILY, params={"from": "2026-01-01", "to": "2026-12-31"}, headers=office["ani"])
    assert answer.status_code == 200 and len(answer.json()["days"]) == 365


def test_without_a_range_the_week_up_to_today(client, office):
    body = client.get(DAILY, headers=office["ani"]).json()  # the clock: Monday 30 November in Blora
    assert (body["from"], body["to"]) == ("2026-11-24", "2026-11-30")


def test_csv_has_a_line_per_agency_and_day(client, office):
    answer = client.get(DAILY, params=WEEK, headers={**office["admin"], "Accept": "text/csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="laporan-harian-uji-semua-2026-11-29-2026-12-02.csv"' in answer.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(answer.text)))
    assert lines[0][:9] == [
        "date", "agency", "status", "reason", "booked", "walk_ins", "served", "no_show", "cancelled",
    ]  # fmt: skip
    assert len(lines) == 1 + 4 * 2
    by_key = {(line[0], line[1]): line for line in lines[1:]}
    assert by_key[("2026-12-01", "dukcapil")][2:] == [
        "open", "", "6", "2", "6", "2", "2", "5.5", "17.5", "10.0", "15.6", "0.75", "08",
    ]  # fmt: skip
    assert by_key[("2026-11-29", "dukcapil")][2:5] == ["closed", "Tidak ada layanan pada hari Minggu", "0"]
    assert by_key[("2026-11-29", "dukcapil")][9:13] == ["", "", "", ""]  # nothing measured, not 0


def test_xlsx_opens_in_a_spreadsheet_with_numbers_and_dates(client, office):
    for how in ({"headers": {**office["admin"], "Accept": XLSX}}, {"headers": office["admin"], "format": "xlsx"}):
        params = {**WEEK, "agency": "dukcapil", **({"format": how["format"]} if "format" in how else {})}
        answer = client.get(DAILY, params=params, headers=how["headers"])
        assert answer.status_code == 200
        assert answer.headers["content-type"] == XLSX
        assert "laporan-harian-uji-dukcapil-2026-11-29-2026-12-02.xlsx" in answer.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(answer.content)).active
        assert sheet.title == "Laporan harian"
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("date", "agency", "status") and len(rows) == 1 + 4
        tuesday = rows[3]
        assert tuesday[0] == dt.datetime.combine(TUESDAY, dt.time())  # a date cell, not text
        assert tuesday[1:9] == ("dukcapil", "open", None, 6, 2, 6, 2, 2)
        assert tuesday[9:14] == (5.5, 17.5, 10, 15.6, 0.75)
        assert rows[1][2:4] == ("closed", "Tidak ada layanan pada hari Minggu")


def test_the_document_lists_the_reports_problems_and_files(client):
    operation = client.get("/schema/openapi.json").json()["paths"][DAILY]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404", "422", "500"}
    assert {"application/json", "text/csv", XLSX} <= set(operation["responses"]["200"]["content"])
