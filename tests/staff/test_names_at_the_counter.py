"""A clerk calls and greets today's citizens by name: the full name for their own agency's bookings of the
day they work (in the site's zone), masked on every other day and for everyone else; the NIK always
masked; every view of full names one audit row (who, when, which bookings)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from booking.bookings import booking_by_code, manage_token
from booking.models import AuditEntry
from tests.staff.conftest import TODAY
from tests.staff.test_staff_pages import sign_in

FULL, MASKED = "Siti Aminah", "S*** A*****"
TOMORROW = TODAY + dt.timedelta(days=1)


def name_views(office) -> list[tuple[str, str, dict]]:
    with office.db.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "citizen_names.view").order_by(AuditEntry.id)
        )
        return [(entry.actor, entry.target, entry.after) for entry in entries]


def schedule(office, headers, day=TODAY, **params):
    answer = office.client.get("/api/v1/staff/schedule", params={"date": str(day), **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return [booking for counter in answer.json()["counters"] for booking in counter["bookings"]]


def test_a_clerk_sees_today_s_full_names_and_each_view_is_one_audit_row(office):
    codes = [office.book(8), office.book(9)]  # in time order, as the schedule lists them

    rows = schedule(office, office.ani)
    assert {row["citizen"]["name"] for row in rows} == {FULL}
    assert all(row["citizen"]["nik"].startswith("*" * 12) and "*" in row["citizen"]["phone"] for row in rows)
    assert name_views(office) == [("ani", f"schedule:dukcapil:{TODAY}", {"view": "api", "bookings": codes})]

    csv_text = office.client.get("/api/v1/staff/schedule", headers={**office.ani, "Accept": "text/csv"}).text
    assert FULL in csv_text and "3316011708850001" not in csv_text
    looked_up = office.client.get(f"/api/v1/staff/bookings/{codes[0]}", headers=office.ani).json()
    assert looked_up["citizen"]["name"] == FULL
    assert name_views(office)[1:] == [
        ("ani", f"schedule:dukcapil:{TODAY}", {"view": "csv", "bookings": codes}),
        ("ani", f"booking:{codes[0].replace('-', '')}", {"view": "booking", "bookings": [codes[0]]}),
    ]


def test_the_schedule_page_and_its_print_show_full_names_and_are_audited(office):
    code = office.book(9)
    sign_in(office.client)
    assert FULL in office.client.get("/staff").text
    assert FULL in office.client.get("/staff/print").text
    assert [(target, after["view"]) for _, target, after in name_views(office)] == [
        (f"schedule:dukcapil:{TODAY}", "page"),
        (f"schedule:dukcapil:{TODAY}", "print"),
    ]
    assert all(after["bookings"] == [code] for _, _, after in name_views(office))


def test_another_day_s_citizens_stay_masked_and_nothing_is_audited(office):
    code = office.book(9, day=TOMORROW)
    assert [row["citizen"]["name"] for row in schedule(office, office.ani, day=TOMORROW)] == [MASKED]
    assert office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.ani).json()["citizen"]["name"] == MASKED
    sign_in(office.client)
    page = office.client.get("/staff", params={"date": str(TOMORROW)}).text
    assert MASKED in page and FULL not in page
    assert name_views(office) == []


def test_the_day_ends_at_midnight_in_the_site_s_zone(office):
    office.book(9)
    office.clock.now = dt.datetime(2026, 11, 30, 16, 59, tzinfo=dt.UTC)  # 23.59 in Blora
    assert [row["citizen"]["name"] for row in schedule(office, office.ani)] == [FULL]
    office.clock.now = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 00.00 on 1 December in Blora
    assert [row["citizen"]["name"] for row in schedule(office, office.ani)] == [MASKED]
    assert len(name_views(office)) == 1


def test_an_admin_sees_names_masked(office):
    office.book(9)
    assert [row["citizen"]["name"] for row in schedule(office, office.admin, agency="dukcapil")] == [MASKED]
    assert name_views(office) == []


def test_a_citizen_whose_data_is_erased_shows_no_name(office):
    erased, kept = office.book(8), office.book(9)
    assert office.client.post(f"/api/v1/staff/bookings/{erased}/check-in", headers=office.ani).status_code == 200
    with office.db.read() as session:  # the citizen, in the building, erases their data with their link
        booking = booking_by_code(session, erased)
        token = manage_token("test-secret", booking.code, booking.manage_token_salt)
    assert office.client.post(f"/api/v1/bookings/{erased}/erase", headers={"X-Booking-Token": token}).status_code == 200

    rows = {row["code"]: row for row in schedule(office, office.ani)}
    assert rows[erased]["citizen"] == {"nik": None, "name": None, "phone": None}
    assert rows[erased]["status"] == "checked_in"
    assert rows[kept]["citizen"]["name"] == FULL
    assert name_views(office)[-1][2]["bookings"] == [kept]
