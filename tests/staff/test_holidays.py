"""National holidays kept in step with the calendar by beat, and local holidays an admin adds and corrects.

Every run takes its clock as an argument (the office's fixed clock, or a date written here): nothing
depends on today's date.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from booking.holidays import national_calendar, sync_national_holidays, years_ahead
from booking.models import Booking, Closure, Notification
from tests.factories import add_closure

ADMIN = "/api/v1/admin"
CHRISTMAS_LEAVE = dt.date(2026, 12, 24)  # Cuti Bersama Hari Raya Natal (SKB 2026)


def national_days(db) -> dict[dt.date, str]:
    with db.read() as session:
        rows = session.execute(
            select(Closure.starts_on, Closure.reason).where(Closure.site_id.is_(None), Closure.kind == "holiday")
        )
        return dict(rows.all())


def sync(db, now: dt.datetime, force: bool = False):
    return db.transaction(
        lambda session: sync_national_holidays(session, years_ahead(now.date()), now=now, force=force)
    )


def day_status(office, day: dt.date) -> dict:
    answer = office.client.get(f"/api/v1/sites/uji/services/KTP/availability?from={day}&to={day}")
    return answer.json()["days"][0]


def test_beat_loads_next_years_holidays_and_cuti_bersama_by_the_clock_it_is_given(db):
    september = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
    first = sync(db, september)
    stored = national_days(db)
    assert set(first.added) == set(national_calendar([2026, 2027])) == set(stored)
    assert stored[dt.date(2027, 2, 5)] == "Cuti Bersama Tahun Baru Imlek"  # next year's cuti bersama
    assert stored[dt.date(2027, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert not any(day.year == 2028 for day in stored)

    a_year_later = sync(db, dt.datetime(2027, 9, 1, 3, tzinfo=dt.UTC))
    assert a_year_later.added and {day.year for day in a_year_later.added} == {2028}
    assert set(national_days(db)) == set(national_calendar([2026, 2027, 2028]))


def test_beat_running_twice_changes_nothing_the_second_time(db):
    now = dt.datetime(2026, 10, 5, 18, tzinfo=dt.UTC)
    assert sync(db, now).added
    before = national_days(db)
    again = sync(db, now)
    assert (again.added, again.reopened, again.renamed, again.refused) == ([], [], [], {})
    assert national_days(db) == before
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Closure)) == len(before)


def test_a_changed_decree_opens_the_moved_day_renames_and_keeps_the_past_as_it_was(db):
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    add_closure(db, None, dt.date(2027, 3, 17), "Cuti Bersama Idul Fitri (SKB lama)", kind="holiday")
    add_closure(db, None, dt.date(2027, 2, 5), "Cuti Bersama Imlek (nama lama)", kind="holiday")
    add_closure(db, None, dt.date(2026, 1, 5), "Cuti bersama yang sudah lewat", kind="holiday")
    result = sync(db, now)
    stored = national_days(db)
    assert result.reopened == [dt.date(2027, 3, 17)] and dt.date(2027, 3, 17) not in stored
    assert dt.date(2027, 2, 5) in result.renamed and stored[dt.date(2027, 2, 5)] == "Cuti Bersama Tahun Baru Imlek"
    assert stored[dt.date(2026, 1, 5)] == "Cuti bersama yang sudah lewat"  # history is not rewritten


def test_a_new_holiday_on_a_booked_day_is_left_open_with_the_list_until_forced(office):
    code = office.book(9, day=CHRISTMAS_LEAVE)
    result = sync(office.db, office.clock())
    assert list(result.refused) == [CHRISTMAS_LEAVE]
    assert [booking["code"] for booking in result.refused[CHRISTMAS_LEAVE]] == [code]
    assert CHRISTMAS_LEAVE not in national_days(office.db)
    assert dt.date(2026, 12, 25) in national_days(office.db)  # the other days were closed meanwhile
    assert day_status(office, CHRISTMAS_LEAVE)["status"] != "closed"
    assert list(sync(office.db, office.clock()).refused) == [CHRISTMAS_LEAVE]  # beat says it again, changes nothing

    forced = sync(office.db, office.clock(), force=True)
    assert forced.added == [CHRISTMAS_LEAVE] and not forced.refused
    assert national_days(office.db)[CHRISTMAS_LEAVE] == "Cuti Bersama Hari Raya Natal"
    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        notices = session.scalars(select(Notification.kind).where(Notification.booking_id == booking.id)).all()
    assert booking.status == "cancelled" and "booking_cancelled" in notices
    closed = day_status(office, CHRISTMAS_LEAVE)
    assert closed["status"] == "closed" and closed["reason"] == "Cuti Bersama Hari Raya Natal"


def test_an_admin_adds_a_local_holiday_and_moves_it_under_the_affected_bookings_rule(office):
    anniversary, moved_to = dt.date(2026, 12, 10), dt.date(2026, 12, 11)
    body = {"starts_on": str(anniversary), "ends_on": str(anniversary), "reason": "Hari Jadi Kabupaten Uji"}
    made = office.client.post(f"{ADMIN}/closures", json={**body, "holiday": True}, headers=office.admin)
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "holiday" and not made.json()["national"]
    assert day_status(office, anniversary)["status"] == "closed"

    code = office.book(9, day=moved_to)
    closure = f"{ADMIN}/closures/{made.json()['id']}"
    move = {"starts_on": str(moved_to), "ends_on": str(moved_to)}
    refused = office.client.patch(closure, json=move, headers=office.admin)
    assert refused.status_code == 409 and refused.json()["code"] == "bookings_affected"
    assert [booking["code"] for booking in refused.json()["bookings"]] == [code]
    assert day_status(office, anniversary)["status"] == "closed"  # nothing changed

    forced = office.client.patch(f"{closure}?force=true", json=move, headers=office.admin)
    assert forced.status_code == 200, forced.text
    assert forced.json()["starts_on"] == str(moved_to) and forced.json()["kind"] == "holiday"
    assert day_status(office, anniversary)["status"] == "open"
    assert day_status(office, moved_to)["status"] == "closed"
    booking = office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.admin).json()
    assert booking["status"] == "cancelled"
    audit = office.client.get(f"{ADMIN}/audit", headers=office.admin).json()
    change = next(entry for entry in audit if entry["action"] == "closure.update")
    assert change["before"]["starts_on"] == str(anniversary) and change["after"]["cancelled_bookings"] == [code]


def test_an_admin_cannot_correct_a_national_holiday_or_give_reversed_days(office):
    sync(office.db, office.clock())
    national = office.client.get(f"{ADMIN}/closures?from=2026-12-25&to=2026-12-25", headers=office.admin).json()
    assert national and national[0]["national"]
    assert (
        office.client.patch(
            f"{ADMIN}/closures/{national[0]['id']}", json={"reason": "Buka"}, headers=office.admin
        ).status_code
        == 404
    )
    day = str(dt.date(2026, 12, 10))
    made = office.client.post(
        f"{ADMIN}/closures", json={"starts_on": day, "ends_on": day, "reason": "Hari Jadi"}, headers=office.admin
    ).json()
    reversed_days = office.client.patch(
        f"{ADMIN}/closures/{made['id']}", json={"starts_on": "2026-12-12"}, headers=office.admin
    )
    assert reversed_days.status_code == 422
    assert [error["field"] for error in reversed_days.json()["errors"]] == ["ends_on"]


def test_beat_declares_the_daily_holiday_run_at_a_wall_clock_time():
    from celery.schedules import crontab

    from workers.app import HOLIDAYS_TASK, celery_app

    entry = next(e for e in celery_app.conf.beat_schedule.values() if e["task"] == HOLIDAYS_TASK)
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {18} and entry["schedule"].minute == {0}  # 01:00 WIB, daily
    import workers.tasks  # noqa: F401 - registers the task

    assert HOLIDAYS_TASK in celery_app.tasks
