"""Turning opening rules and closures into slots: pure functions, no database.

A rule gives a counter's hours on one weekday; its slots run on a grid of ``slot_minutes`` from the
opening time, and again from the end of the break, so a break never cuts a slot in two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from booking.models import Closure, Counter, OpeningRule


@dataclass(frozen=True)
class CounterSlot:
    counter_id: int
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    capacity: int
    walk_in_places: int = 0  # of the capacity, held back from online booking

    @property
    def online_capacity(self) -> int:
        return self.capacity - self.walk_in_places


def rule_applies(rule: OpeningRule, day: dt.date) -> bool:
    return (
        rule.weekday == day.weekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    )


def counter_slots(counter: Counter, day: dt.date, zone: ZoneInfo) -> Iterator[CounterSlot]:
    """The slots a counter offers on a local day, by its rules, in time order within each rule."""
    for rule in counter.rules:
        if not rule_applies(rule, day) or rule.capacity <= 0:
            continue
        for period_start, period_end in _periods(rule):
            for start, end in _grid(day, period_start, period_end, rule.slot_minutes, zone):
                yield CounterSlot(counter.id, start, end, rule.capacity, rule.walk_in_places)


def _periods(rule: OpeningRule) -> list[tuple[dt.time, dt.time]]:
    if rule.break_starts_at is None or rule.break_ends_at is None:
        return [(rule.opens_at, rule.closes_at)]
    return [(rule.opens_at, rule.break_starts_at), (rule.break_ends_at, rule.closes_at)]


def _grid(day: dt.date, start: dt.time, end: dt.time, minutes: int, zone: ZoneInfo):
    step = dt.timedelta(minutes=minutes)
    cursor = dt.datetime.combine(day, start, zone)
    period_end = dt.datetime.combine(day, end, zone)
    while cursor + step <= period_end:
        yield cursor.astimezone(dt.UTC), (cursor + step).astimezone(dt.UTC)
        cursor += step


def closure_for(
    closures: Iterable[Closure], day: dt.date, agency_id: int, counter_id: int | None = None
) -> Closure | None:
    """The closure that shuts this agency (or, given one, this counter) on a day, national ones first."""
    matching = [
        closure
        for closure in closures
        if closure.starts_on <= day <= closure.ends_on
        and closure.agency_id in (None, agency_id)
        and closure.counter_id in (None, counter_id)
    ]
    return min(matching, key=lambda c: (c.site_id is not None, c.agency_id is not None, c.id), default=None)
