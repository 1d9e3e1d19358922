"""Indonesian national holidays and *cuti bersama* as closures, kept in step with the ``holidays`` package.

National holidays are closures without a site (every MPP closes). Cuti bersama (joint leave) are decreed
each year by a joint ministerial decree (SKB); the well-kept ``holidays`` package carries them in its
``government`` category (2025-2027 at version 0.109), so no data file of our own is needed: a new decree
reaches Antrian with a new version of the package (a new image), and until then an admin adds the day as a
closure by hand.

``sync_national_holidays`` makes the closures of some years equal the calendar: days it lacks are added,
days the calendar no longer has (a decree moved them) are opened again, renamed ones get the new name.
Beat runs it every day for this year and the next (``workers/tasks.py``), so next year's holidays are in
place as soon as the package knows them; it is idempotent. A new holiday on a day citizens already booked
follows the rule of every admin change (``booking.capacity_changes``): without ``force`` the day is left
open and reported with the bookings it would cancel, for a person to decide (``booking holidays load
--force``, or a closure of the site); with ``force`` they are cancelled, each with a notice naming the holiday.
Local holidays (a kabupaten's anniversary) are a site's own closures, added and corrected by its admin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import holidays as holiday_calendars
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.capacity_changes import WAITING, counters_of_scope, settle_counters
from booking.errors import BookingsAffected
from booking.messages import closed_notice
from booking.models import Booking, Closure, Site

# Public holidays and the government's joint leave days (cuti bersama): MPPs close on both.
CATEGORIES = ("public", "government")


@dataclass
class HolidaySync:
    """What one run changed, and the new holidays it left open because citizens had booked them."""

    added: list[dt.date] = field(default_factory=list)
    reopened: list[dt.date] = field(default_factory=list)
    renamed: list[dt.date] = field(default_factory=list)
    refused: dict[dt.date, list[dict]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        said = [f"{len(self.added)} holidays added, {len(self.reopened)} reopened, {len(self.renamed)} renamed"]
        for day, bookings in sorted(self.refused.items()):
            codes = ", ".join(booking["code"] for booking in bookings)
            said.append(f"{day}: not closed, {len(bookings)} bookings on that day ({codes}); --force cancels them")
        return said


def national_calendar(years: list[int]) -> dict[dt.date, tuple[str, str]]:
    """Each national holiday and cuti bersama day of ``years``: its name in Indonesian and in English."""
    names_id = holiday_calendars.Indonesia(years=years, categories=CATEGORIES, language="id")
    names_en = holiday_calendars.Indonesia(years=years, categories=CATEGORIES, language="en_US")
    return {day: (name, names_en.get(day, name)) for day, name in sorted(names_id.items())}


def sync_national_holidays(session: Session, years: list[int], *, now: dt.datetime, force: bool = False) -> HolidaySync:
    """Make the national holiday closures of ``years`` what the calendar says; past days are left as they were."""
    calendar = national_calendar(years)
    first, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    stored: dict[dt.date, Closure] = {}
    for closure in session.scalars(
        select(Closure).where(
            Closure.kind == "holiday",
            Closure.site_id.is_(None),
            Closure.starts_on >= first,
            Closure.starts_on <= last,
        )
    ):
        stored.setdefault(closure.starts_on, closure)
    # the earliest day anywhere in Indonesia (WIB, UTC+7, is the latest zone): a day under way is history
    yesterday = (now + dt.timedelta(hours=7)).date() - dt.timedelta(days=1)
    result = HolidaySync()
    for day, closure in sorted(stored.items()):
        if day not in calendar and day > yesterday:
            session.delete(closure)  # opening a day takes nobody's place: nothing to settle
            result.reopened.append(day)
        elif day in calendar and (closure.reason, closure.reason_en) != calendar[day]:
            closure.reason, closure.reason_en = calendar[day]
            result.renamed.append(day)
    for day, (name, name_en) in calendar.items():
        if day in stored:
            continue
        if day <= yesterday:
            session.add(_holiday(day, name, name_en))  # history, as it was decreed
            result.added.append(day)
            continue
        affected = _close(session, day, name, name_en, now=now, force=force)
        if affected:
            result.refused[day] = affected
        else:
            result.added.append(day)
    session.flush()
    return result


def load_national_holidays(session: Session, years: list[int], now: dt.datetime) -> int:
    """Add the holidays of ``years`` that are missing (never cancelling a booking); how many were added."""
    return len(sync_national_holidays(session, years, now=now).added)


def years_ahead(today: dt.date, count: int = 2) -> list[int]:
    return [today.year + offset for offset in range(count)]


def _holiday(day: dt.date, name: str, name_en: str) -> Closure:
    return Closure(site_id=None, starts_on=day, ends_on=day, reason=name, reason_en=name_en, kind="holiday")


def _close(session: Session, day: dt.date, name: str, name_en: str, *, now: dt.datetime, force: bool) -> list[dict]:
    """Close ``day`` everywhere unless citizens booked it and ``force`` is off: then nothing changes and
    the bookings it would cancel are returned (at every site, as the admin change's refusal lists them)."""
    booked_sites = list(
        session.scalars(
            select(Site).where(
                Site.id.in_(
                    select(Booking.site_id).where(Booking.local_date == day, Booking.status.in_(WAITING)).distinct()
                )
            )
        )
    )
    affected: list[dict] = []
    savepoint = session.begin_nested()
    session.add(_holiday(day, name, name_en))
    for site in booked_sites:
        try:
            with session.begin_nested():
                settle_counters(
                    session,
                    site,
                    counters_of_scope(session, site, None, None),
                    now=now,
                    force=force,
                    reason=closed_notice(None, name, name_en),
                )
        except BookingsAffected as refused:
            affected += refused.bookings
    if affected:
        savepoint.rollback()
    else:
        savepoint.commit()
    return affected
