"""A range of days asked for (availability, reports): ``to`` not before ``from``, and not too long.

One rule, one wording (``range_reversed``, ``range_too_long`` on the ``to`` field), whatever asks.
"""

from __future__ import annotations

import datetime as dt

from booking.errors import FieldError, InvalidInput

LONGEST_REPORT_DAYS = 366  # a report covers at most a year, a leap year too


def check_range(first: dt.date, last: dt.date, *, longest_days: int) -> None:
    if last < first:
        raise InvalidInput([FieldError("to", "range_reversed")])
    if (last - first).days + 1 > longest_days:
        raise InvalidInput([FieldError("to", "range_too_long", {"days": longest_days})])
