"""The counter's state machine: confirmed -> checked_in -> served, confirmed -> no_show once the slot
has begun; cancelled bookings cannot be touched; two clerks at once end in one state; the no-show sweep."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from booking.bookings import BookingRequest, create_booking
from booking.counter_work import code_from_scan, sweep_no_shows
from booking.http.app import create_app
from booking.models import AuditEntry, Booking, Site
from tests.crowd import fire
from tests.factories import MONDAY_MORNING, WIB, at, bearer, booking_body, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.staff.conftest import TODAY

STEPS = {"check_in": "check-in", "serve": "serve", "no_show": "no-show"}


def act(office, code: str, step: str, headers=None):
    return office.client.post(f"/api/v1/staff/bookings/{code}/{STEPS[step]}", headers=headers or office.ani)


def status_of(office, code: str) -> str:
    return office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.ani).json()["status"]


def at_local(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(TODAY.year, TODAY.month, TODAY.day, hour, minute, tzinfo=WIB).astimezone(dt.UTC)


def test_a_citizen_is_checked_in_then_served(office):
    code = office.book(9)
    checked = act(office, code, "check_in")
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    served = act(office, code, "serve")
    assert served.status_code == 200 and served.json()["status"] == "served"
    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.checked_in_at == MONDAY_MORNING and booking.served_at == MONDAY_MORNING
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"booking:{booking.code}"))
        assert list(actions) == ["booking.check_in", "booking.serve"]


REFUSED = [
    # (steps taken first, the step tried, the status it stays in)
    ([], "serve", "confirmed"),
    (["check_in"], "check_in", "checked_in"),
    (["check_in"], "no_show", "checked_in"),
    (["check_in", "serve"], "serve", "served"),
    (["check_in", "serve"], "check_in", "served"),
    (["check_in", "serve"], "no_show", "served"),
    (["no_show"], "serve", "no_show"),
    (["no_show"], "no_show", "no_show"),
]


@pytest.mark.parametrize(("before", "step", "stays"), REFUSED, ids=lambda v: "-".join(v) if isinstance(v, list) else v)
def test_an_impossible_step_is_refused_and_changes_nothing(office, before, step, stays):
    code = office.book(8)
    office.clock.now = at_local(8, 5)  # the slot has begun, so no-show is possible from confirmed
    for taken in before:
        assert act(office, code, taken).status_code == 200
    answer = act(office, code, step)
    assert answer.status_code == 409
    assert answer.json()["code"] == "invalid_transition"
    assert status_of(office, code) == stays


def test_no_show_only_once_the_slot_has_begun(office):
    code = office.book(9)
    office.clock.now = at_local(8, 59)
    early = act(office, code, "no_show")
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
    office.clock.now = at_local(9, 0)
    assert act(office, code, "no_show").json()["status"] == "no_show"


def test_a_citizen_marked_no_show_who_arrives_late_the_same_day_is_checked_in(office):
    code = office.book(9)
    office.clock.now = at_local(9, 31)
    assert act(office, code, "no_show").json()["status"] == "no_show"
    office.clock.now = at_local(9, 40)
    late = act(office, code, "check_in")
    assert late.status_code == 200 and late.json()["status"] == "checked_in"
    assert act(office, code, "serve").json()["status"] == "served"
    office.clock.now = at_local(7, 0) + dt.timedelta(days=1)
    other = office.book(9, day=TODAY + dt.timedelta(days=1))
    office.clock.now = at_local(10, 0) + dt.timedelta(days=1)
    act(office, other, "no_show")
    office.clock.now += dt.timedelta(days=1)
    assert act(office, other, "check_in").json()["code"] == "wrong_day"  # only on its own day


def test_a_cancelled_booking_cannot_be_touched(office):
    made = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 9), 77)).json()
    office.client.post(f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]})
    office.clock.now = at_local(9, 10)
    for step in STEPS:
        answer = act(office, made["code"], step)
        assert answer.status_code == 409 and answer.json()["code"] == "invalid_transition", step
    assert status_of(office, made["code"]) == "cancelled"


def test_check_in_is_for_the_booking_s_own_day(office):
    code = office.book(9, day=TODAY + dt.timedelta(days=1))
    answer = act(office, code, "check_in")
    assert answer.status_code == 409
    assert answer.json()["code"] == "wrong_day"
    assert answer.json()["detail"] == "Pemesanan ini untuk Selasa, 1 Desember 2026, bukan hari ini."


def test_check_in_by_scanned_qr_code_or_manage_link(office):
    made = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 9), 78)).json()
    assert code_from_scan(made["manage_url"]) == made["code"].replace("-", "")
    assert code_from_scan(made["code"].lower()) == made["code"].replace("-", "")
    scanned = office.client.post("/api/v1/staff/check-ins", json={"scan": made["manage_url"]}, headers=office.ani)
    assert scanned.status_code == 200 and scanned.json()["status"] == "checked_in"


def test_the_sweep_marks_bookings_not_checked_in_after_the_grace_period(office):
    late, arrived, later = office.book(8), office.book(8), office.book(9)
    act(office, arrived, "check_in")
    with office.db.write() as session:
        grace = session.scalar(select(Site.no_show_grace_minutes).where(Site.slug == "uji"))
        assert sweep_no_shows(session, at_local(8, 0) + dt.timedelta(minutes=grace - 1)) == 0
    with office.db.write() as session:
        assert sweep_no_shows(session, at_local(8, 0) + dt.timedelta(minutes=grace)) == 1
    assert [status_of(office, code) for code in (late, arrived, later)] == ["no_show", "checked_in", "confirmed"]
    with office.db.write() as session:  # running again changes nothing
        assert sweep_no_shows(session, at_local(8, 0) + dt.timedelta(minutes=grace)) == 0
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.no_show"))
        assert entry.actor == "system" and entry.after["status"] == "no_show"


def test_the_day_s_schedule_lists_each_counter_in_time_order_with_masked_citizens(office):
    codes = [office.book(hour) for hour in (11, 8, 9)]
    schedule = office.client.get(f"/api/v1/staff/schedule?date={TODAY}", headers=office.ani).json()
    assert [counter["label"] for counter in schedule["counters"]] == ["Loket 1", "Loket 2"]
    rows = [booking for counter in schedule["counters"] for booking in counter["bookings"]]
    assert sorted(row["code"] for row in rows) == sorted(codes)
    for counter in schedule["counters"]:
        starts = [booking["start"] for booking in counter["bookings"]]
        assert starts == sorted(starts)
    assert all("*" in row["citizen"]["nik"] and "*" in row["citizen"]["phone"] for row in rows)
    assert {row["notification_status"] for row in rows} == {"pending"}

    csv_text = office.client.get(
        f"/api/v1/staff/schedule?date={TODAY}", headers={**office.ani, "Accept": "text/csv"}
    ).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("counter,start,end,code")
    assert len(lines) == 1 + len(codes)
    assert nik(1) not in csv_text and "081234567890" not in csv_text


def test_the_schedule_s_csv_names_statuses_in_words_and_the_json_keeps_the_codes(office):
    served, waiting = office.book(8), office.book(9)
    act(office, served, "check_in")
    act(office, served, "serve")
    path = f"/api/v1/staff/schedule?date={TODAY}"

    def rows(language: str) -> dict[str, list[str]]:
        text = office.client.get(path, headers={**office.ani, "Accept": "text/csv", "Accept-Language": language}).text
        return {line[3]: line[8:] for line in csv.reader(io.StringIO(text)) if line[3] in (served, waiting)}

    assert rows("id") == {
        served: ["Selesai dilayani", "tidak", "Menunggu", ""],
        waiting: ["Terkonfirmasi", "tidak", "Menunggu", ""],
    }
    assert rows("en") == {served: ["Served", "no", "Waiting", ""], waiting: ["Confirmed", "no", "Waiting", ""]}
    as_json = office.client.get(path, headers=office.ani).json()
    statuses = {b["code"]: b["status"] for counter in as_json["counters"] for b in counter["bookings"]}
    assert statuses == {served: "served", waiting: "confirmed"}


@pytest.mark.slow
def test_two_clerks_checking_one_citizen_in_at_once_end_in_one_state(settings, db, clock):
    """Twenty presses of check-in from two clerks (two processes, ten threads each) on a real server, on a
    clock the test holds (07.00 in Blora: the 08.00 booking is today's at any hour the suite runs)."""
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "ana", agency="dukcapil")
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        request = BookingRequest(service="KTP", start=at(TODAY, 8), nik=nik(5), name="Siti", phone="081234567890")
        made = create_booking(
            session, site, request, now=at_local(0) - dt.timedelta(days=2), secret_key=settings.secret_key
        )
        code = made.booking.code
    with serving(create_app(settings, db=db, clock=clock)) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            tokens = [bearer(client, who)["Authorization"] for who in ("ani", "ana")]
        presses = [{"json": None, "headers": {"Authorization": tokens[n % 2]}} for n in range(20)]
        result = fire(f"{base_url}/api/v1/staff/bookings/{code}/check-in", presses, processes=2)
    assert result.peak_in_flight > 1, "the presses did not overlap"
    outcomes = Counter((answer.status, answer.code) for answer in result.answers)
    assert outcomes == {(200, None): 1, (409, "invalid_transition"): 19}, outcomes
    with db.read() as session:
        assert session.scalar(select(Booking.status).where(Booking.code == code)) == "checked_in"
        entries = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "booking.check_in")
        )
        assert entries == 1
