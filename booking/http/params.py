"""Query parameters the API and the pages read alike, checked by one rule each."""

from __future__ import annotations

import datetime as dt

from booking.errors import FieldError, InvalidInput

EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def parse_date(field: str, value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput([FieldError(field, "date_format")]) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:  # far outside any booking window, and safe from date overflow
        raise InvalidInput([FieldError(field, "date_out_of_range")])
    return day
