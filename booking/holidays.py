"""Indonesian national holidays and *cuti bersama* as closures, from the well-kept ``holidays`` package."""

from __future__ import annotations

import datetime as dt

import holidays as holiday_calendars
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import Closure

# Public holidays and the government's joint leave days (cuti bersama): MPPs close on both.
CATEGORIES = ("public", "government")


def load_national_holidays(session: Session, years: list[int]) -> int:
    """Add each holiday of ``years`` as a national closure (no site); already loaded ones are skipped."""
    names_id = holiday_calendars.Indonesia(years=years, categories=CATEGORIES, language="id")
    names_en = holiday_calendars.Indonesia(years=years, categories=CATEGORIES, language="en_US")
    known = set(session.scalars(select(Closure.starts_on).where(Closure.kind == "holiday", Closure.site_id.is_(None))))
    added = 0
    for day, name in sorted(names_id.items()):
        if day in known:
            continue
        session.add(
            Closure(
                site_id=None,
                starts_on=day,
                ends_on=day,
                reason=name,
                reason_en=names_en.get(day, name),
                kind="holiday",
            )
        )
        added += 1
    session.flush()
    return added


def years_ahead(today: dt.date, count: int = 2) -> list[int]:
    return [today.year + offset for offset in range(count)]
