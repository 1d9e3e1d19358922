"""Turning opening rules and closures into slots: pure functions, no database.

A rule gives a counter's hours on one weekday; its slots run on a grid of ``slot_minutes`` from the
opening time, and again from the end of the break, so a break never cuts a slot in two.

The grid of a day depends only on the rule's hours, break and slot length, the day and the zone, and
counters share their rules (every loket of an agency keeps the same hours), so each distinct grid is
computed once and kept: turning local times into UTC instants was about three quarters of a 31-day
availability call. The cache holds plain values (no rows, no sessions), so it is safe across requests
and threads; a changed rule has different hours and so a different key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from booking.models import Closure, Counter, OpeningRule

# 31 days x a few dozen distinct rule shapes x the zones in use; a grid is a few kilobytes.
GRID_CACHE_SIZE = 16_384


# Hours of a day closed by closures for part of it: (from, until) wall-clock times; None is the day's end.
ClosedHours = tuple[tuple[dt.time, dt.time | None], ...]


class CounterSlot(NamedTuple):  # a tuple: a 31-day call makes thousands; a frozen dataclass costs twice as much
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


def rules_on(counter: Counter, day: dt.date) -> list[OpeningRule]:
    """The rules that give a counter slots on a local day."""
    return [rule for rule in counter.rules if rule.capacity > 0 and rule_applies(rule, day)]


def counter_slots(counter: Counter, day: dt.date, zone: ZoneInfo, closed: ClosedHours = ()) -> Iterator[CounterSlot]:
    """The slots a counter offers on a local day, by its rules, in time order within each rule; none that
    meets ``closed`` hours (a closure for part of the day)."""
    for rule in rules_on(counter, day):
        for start, end in day_grid(
            day, rule.opens_at, rule.closes_at, rule.break_starts_at, rule.break_ends_at, rule.slot_minutes, zone
        ):
            if not closed or slot_open(start, end, day, zone, closed):
                yield CounterSlot(counter.id, start, end, rule.capacity, rule.walk_in_places)


def slot_open(start: dt.datetime, end: dt.datetime, day: dt.date, zone: ZoneInfo, closed: ClosedHours) -> bool:
    """A slot (UTC instants) meets none of the closed hours of its day."""
    for since, until in closed:
        closed_from = dt.datetime.combine(day, since, zone)
        closed_until = dt.datetime.combine(day + dt.timedelta(days=until is None), until or dt.time(), zone)
        if start < closed_until and closed_from < end:
            return False
    return True


@lru_cache(maxsize=GRID_CACHE_SIZE)
def day_grid(
    day: dt.date,
    opens: dt.time,
    closes: dt.time,
    break_starts: dt.time | None,
    break_ends: dt.time | None,
    slot_minutes: int,
    zone: ZoneInfo,
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The (start, end) UTC instants of every slot of a day with these hours, break and slot length."""
    periods = (
        [(opens, closes)]
        if break_starts is None or break_ends is None
        else [(opens, break_starts), (break_ends, closes)]
    )
    return tuple(slot for start, end in periods for slot in _grid(day, start, end, slot_minutes, zone))


def _grid(day: dt.date, start: dt.time, end: dt.time, minutes: int, zone: ZoneInfo):
    step = dt.timedelta(minutes=minutes)
    cursor = dt.datetime.combine(day, start, zone)
    period_end = dt.datetime.combine(day, end, zone)
    while cursor + step <= period_end:
        yield cursor.astimezone(dt.UTC), (cursor + step).astimezone(dt.UTC)
        cursor += step


class RuleHours(NamedTuple):
    """What of a rule decides its slots and online places on a day: plain values, so they can be a cache key."""

    opens: dt.time
    closes: dt.time
    break_starts: dt.time | None
    break_ends: dt.time | None
    slot_minutes: int
    online_capacity: int
    closed: ClosedHours = ()  # closures for part of the day

    @classmethod
    def of(cls, rule: OpeningRule, closed: ClosedHours = ()) -> RuleHours:
        return cls(
            rule.opens_at,
            rule.closes_at,
            rule.break_starts_at,
            rule.break_ends_at,
            rule.slot_minutes,
            rule.capacity - rule.walk_in_places,
            closed,
        )


class OfferedStart(NamedTuple):
    """One start time of a day, merged over the counters that offer it."""

    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC, of the first counter offering it
    online_capacity: int  # summed over those counters
    places: tuple[tuple[int, int], ...]  # (position, online capacity) of each counter offering it
    positions: int  # the same positions as bits, to compare with the counters that have booked rows


@lru_cache(maxsize=GRID_CACHE_SIZE)
def offered_starts(
    day: dt.date, zone: ZoneInfo, counters: tuple[tuple[RuleHours, ...], ...]
) -> tuple[OfferedStart, ...]:
    """Every start a group of counters offers on a day, in time order, given each counter's rules that day.

    Counters are named by their position in ``counters`` (a closed counter has no rules), not by id, so
    that every agency with the same hours shares one cached answer: at national scale thousands do.
    """
    by_start: dict[dt.datetime, tuple[dt.datetime, dict[int, int]]] = {}
    for position, rules in enumerate(counters):
        for rule in rules:
            grid = day_grid(day, rule.opens, rule.closes, rule.break_starts, rule.break_ends, rule.slot_minutes, zone)
            if rule.closed:
                grid = tuple(slot for slot in grid if slot_open(*slot, day, zone, rule.closed))
            for start, end in grid:
                places = by_start.setdefault(start, (end, {}))[1]
                places[position] = places.get(position, 0) + rule.online_capacity
    return tuple(
        OfferedStart(start, end, sum(places.values()), tuple(places.items()), sum(1 << p for p in places))
        for start, (end, places) in sorted(by_start.items())
    )


def closure_for(
    closures: Iterable[Closure], day: dt.date, agency_id: int, counter_id: int | None = None
) -> Closure | None:
    """The closure that shuts this agency (or, given one, this counter) for the whole day, national ones first."""
    touching = _touching(closures, day, agency_id, counter_id)
    matching = [closure for closure in touching if not hours_closed(closure, day)]
    return min(matching, key=lambda c: (c.site_id is not None, c.agency_id is not None, c.id), default=None)


def partial_closures(
    closures: Iterable[Closure], day: dt.date, agency_id: int, counter_id: int | None = None
) -> list[Closure]:
    """The closures that shut this agency (or counter) for part of a day."""
    return [closure for closure in _touching(closures, day, agency_id, counter_id) if hours_closed(closure, day)]


def closed_hours(closures: Iterable[Closure], day: dt.date, agency_id: int, counter_id: int | None) -> ClosedHours:
    """The hours of a day that closures for part of it shut at this counter."""
    return tuple(hours_closed(closure, day) for closure in partial_closures(closures, day, agency_id, counter_id))


def hours_closed(closure: Closure, day: dt.date) -> tuple[dt.time, dt.time | None] | None:
    """The part of ``day`` a closure shuts, or None when it shuts the whole day."""
    since = closure.from_time if day == closure.starts_on else None
    until = closure.until_time if day == closure.ends_on else None
    if since is None and until is None:
        return None
    return since or dt.time(), until


def _touching(closures: Iterable[Closure], day: dt.date, agency_id: int, counter_id: int | None):
    return (
        closure
        for closure in closures
        if closure.starts_on <= day <= closure.ends_on
        and closure.agency_id in (None, agency_id)
        and closure.counter_id in (None, counter_id)
    )
