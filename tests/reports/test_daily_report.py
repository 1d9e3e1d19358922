"""The daily report of the seeded week (tests/reports/seed.py), on SQLite and PostgreSQL, against answers
worked out by hand.

Percentiles: linear between closest ranks. For n sorted values x[0..n-1], h = (n - 1) p, and the answer is
x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking import reports
from booking.errors import InvalidInput
from booking.models import Agency, Booking, Site
from tests.reports.seed import MONDAY, SUNDAY, TUESDAY, WEDNESDAY, seed_week


@pytest.fixture
def week(db):
    seed_week(db)
    return db


def report(db, first=SUNDAY, last=WEDNESDAY, agency: str | None = None):
    with db.read() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        chosen = session.scalar(select(Agency).where(Agency.slug == agency)) if agency else None
        return reports.daily_report(session, site, first, last, chosen)


def day(result, date, agency="dukcapil"):
    return next(row for row in result.rows if row.date == date and row.agency.slug == agency)


def test_the_seeded_day_of_one_agency(week):
    tuesday = day(report(week), TUESDAY)
    # Online and not cancelled: B1, B2, B3 (erased, still counted), B4, B5, B8 = 6; walk-ins W1, W2 = 2
    # (W3 was cancelled). Served: tickets done A-001, 002, 003, 005, 006 = 5, plus B8 served without a
    # ticket = 6. No-show: B4, B5. Cancelled: B6, W3.
    assert (tuesday.booked, tuesday.walk_ins, tuesday.served, tuesday.no_show, tuesday.cancelled) == (6, 2, 6, 2, 2)
    assert tuesday.status == "open" and tuesday.closed is None
    # Waits 4, 10, 2, 25, 7, 1 -> sorted 1 2 4 7 10 25, n = 6.
    # Median: h = 5 x 0.5 = 2.5 -> 4 + 0.5 x (7 - 4) = 5.5. p90: h = 4.5 -> 10 + 0.5 x (25 - 10) = 17.5.
    assert (tuesday.wait.median, tuesday.wait.p90, tuesday.wait.count) == (5.5, 17.5, 6)
    # Service 10, 6, 18, 12, 8 -> sorted 6 8 10 12 18, n = 5 (A-004 was missed: never started).
    # Median: h = 2 -> 10. p90: h = 3.6 -> 12 + 0.6 x (18 - 12) = 15.6.
    assert (tuesday.service.median, tuesday.service.p90, tuesday.service.count) == (10.0, 15.6, 5)
    assert tuesday.online_share == 0.75  # 6 / (6 + 2)
    # Arrivals at 08 (A-001, 002, 003), 09 (A-004, 005), 10: the busiest hour is 08.
    assert tuesday.arrivals_by_hour == {8: 3, 9: 2, 10: 1}
    assert tuesday.busiest_hours == [8]


def test_each_agency_counts_its_own(week):
    samsat = day(report(week), TUESDAY, "samsat")
    # One walk-in, served: wait 20 and service 15 (one value: it is the median and the p90).
    assert (samsat.booked, samsat.walk_ins, samsat.served, samsat.no_show, samsat.cancelled) == (0, 1, 1, 0, 0)
    assert (samsat.wait.median, samsat.wait.p90, samsat.service.median, samsat.service.p90) == (20, 20, 15, 15)
    assert samsat.online_share == 0.0 and samsat.busiest_hours == [8]


def test_the_day_of_every_agency_together(week):
    tuesday = next(row for row in report(week).totals if row.date == TUESDAY)
    assert (tuesday.booked, tuesday.walk_ins, tuesday.served, tuesday.no_show, tuesday.cancelled) == (6, 3, 7, 2, 2)
    # Waits of both agencies: 1 2 4 7 10 20 25, n = 7. Median h = 3 -> 7. p90 h = 5.4 -> 20 + 0.4 x 5 = 22.
    assert (tuesday.wait.median, tuesday.wait.p90) == (7.0, 22.0)
    # Service 6 8 10 12 15 18, n = 6. Median h = 2.5 -> 11. p90 h = 4.5 -> 15 + 0.5 x 3 = 16.5.
    assert (tuesday.service.median, tuesday.service.p90) == (11.0, 16.5)
    assert tuesday.online_share == 0.667  # 6 / 9
    assert tuesday.arrivals_by_hour == {8: 4, 9: 2, 10: 1}


def test_waiting_by_hour_of_arrival(week):
    by_hour = report(week).wait_by_hour
    # 08: 4, 10, 2, 20 -> 2 4 10 20: median h = 1.5 -> 7, p90 h = 2.7 -> 10 + 0.7 x 10 = 17.
    # 09: 25, 7 -> median 16, p90 h = 0.9 -> 7 + 0.9 x 18 = 23.2. 10: one wait of 1.
    assert {hour: (s.median, s.p90) for hour, s in by_hour.items()} == {8: (7, 17), 9: (16, 23.2), 10: (1, 1)}


def test_a_day_without_opening_hours_and_a_closed_site_show_as_closed_not_as_zero(week):
    result = report(week)
    sunday = day(result, SUNDAY)
    assert sunday.status == "closed" and sunday.closed("id") == "Tidak ada layanan pada hari Minggu"
    assert day(result, SUNDAY, "samsat").status == "open"  # samsat opens on Sundays
    assert next(row for row in result.totals if row.date == SUNDAY).status == "open"
    wednesday = day(result, WEDNESDAY)
    assert wednesday.status == "closed" and wednesday.closed("en") == "Power cut"
    assert wednesday.cancelled == 1  # the booking the closure cancelled is still there to see
    total = next(row for row in result.totals if row.date == WEDNESDAY)
    assert total.status == "closed" and total.closed("id") == "Listrik padam"
    monday = day(result, MONDAY)
    assert (monday.status, monday.booked, monday.served, monday.wait.median) == ("open", 1, 1, None)


def test_one_agency_alone(week):
    result = report(week, agency="samsat")
    assert [row.agency.slug for row in result.rows] == ["samsat"] * 4
    assert [row.served for row in result.totals] == [0, 0, 1, 0]
    assert result.wait_by_hour[8].median == 20


def test_an_erased_booking_still_counts(week):
    with week.read() as session:
        erased = session.scalars(select(Booking).where(Booking.personal_data_erased_at.is_not(None))).all()
    assert len(erased) == 1 and erased[0].citizen_name is None and erased[0].status == "served"
    assert day(report(week), TUESDAY).booked == 6  # B3 among them


def test_a_range_is_at_most_a_year_and_never_backwards(week):
    report(week, SUNDAY, SUNDAY.replace(year=2027))  # 366 days: 29 Nov 2026 to 29 Nov 2027
    with pytest.raises(InvalidInput) as too_long:
        report(week, SUNDAY, SUNDAY.replace(year=2027, day=30))
    assert [(e.field, e.code) for e in too_long.value.errors] == [("to", "range_too_long")]
    with pytest.raises(InvalidInput) as backwards:
        report(week, TUESDAY, MONDAY)
    assert [(e.field, e.code) for e in backwards.value.errors] == [("to", "range_reversed")]


def test_the_percentile_rule_in_plain_python_agrees():
    waits = [4, 10, 2, 25, 7, 1]
    assert reports.percentile(waits, reports.MEDIAN) == 5.5 and reports.percentile(waits, reports.P90) == 17.5
    assert reports.percentile([], reports.MEDIAN) is None
