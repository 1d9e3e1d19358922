"""Which slots of a service are free over a range of days (at most 31 per call).

A slot's ``remaining`` is summed over every counter that serves the service and is open then, and
capped by what is left of the service's daily quota. Places are counted from ``slot_loads`` rows, which
exist only for slots somebody booked: an untouched slot has its rule's full capacity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from booking import catalogue, rules_cache
from booking.errors import NotFound
from booking.messages import DAY_REASONS, Text, closed_notice, no_service_on
from booking.models import Closure, Counter, Service, ServiceDayLoad, Site, SlotLoad
from booking.periods import check_range
from booking.schedule import (
    CounterSlot,
    OfferedStart,
    RuleHours,
    closed_hours,
    closure_for,
    counter_slots,
    hours_closed,
    offered_starts,
    partial_closures,
    rules_on,
)

MAX_DAYS = 31


@dataclass
class SlotOffer:
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int


@dataclass
class DayOffer:
    date: dt.date
    status: str  # open, full, closed
    reason: Text | None = None
    slots: list[SlotOffer] = field(default_factory=list)


@dataclass
class Availability:
    site: Site
    service: Service
    days: list[DayOffer]


def site_today(site: Site, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(site.timezone)).date()


def last_bookable_day(site: Site, now: dt.datetime) -> dt.date:
    return site_today(site, now) + dt.timedelta(days=site.max_days_ahead)


def earliest_bookable_start(site: Site, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=site.min_lead_minutes)


def open_slots(service: Service, site: Site, closures: list[Closure], day: dt.date) -> list[CounterSlot] | Closure:
    """Every counter slot for the service on a day, or the closure that shuts the whole agency that day."""
    counters = open_counters(service, closures, day)
    if isinstance(counters, Closure):
        return counters
    zone = ZoneInfo(site.timezone)
    return [
        slot
        for counter in counters
        if counter is not None
        for slot in counter_slots(counter, day, zone, closed_hours(closures, day, service.agency_id, counter.id))
    ]


def open_counters(service: Service, closures: list[Closure], day: dt.date) -> list[Counter | None] | Closure:
    """The service's counters in order, None for one closed that day; or the closure shutting the agency."""
    whole_agency = closure_for(closures, day, service.agency_id)
    if whole_agency is not None:
        return whole_agency
    return [
        None if closure_for(closures, day, service.agency_id, counter.id) else counter for counter in service.counters
    ]


def why_closed(service: Service, closures: list[Closure], day: dt.date) -> Text:
    """Why a service has no slot on a day: what closed (the agency, or its counters), else no opening hours."""
    whole_agency = closure_for(closures, day, service.agency_id)
    if whole_agency is not None:
        return closure_reason(whole_agency, service)
    closed_counters: dict[tuple[str, str], list[str]] = {}  # one line per reason, naming its counters
    for counter in sorted(service.counters, key=lambda counter: counter.id):
        closure = closure_for(closures, day, service.agency_id, counter.id)
        partial = partial_closures(closures, day, service.agency_id, counter.id)
        if closure is None and partial and partial[0].agency_id is None:  # the site, for part of the day
            return closure_reason(partial[0], service)
        if closure is not None or partial:
            closure = closure or partial[0]
            closed_counters.setdefault((closure.reason, closure.reason_en), []).append(counter.label)
    if not closed_counters:
        return no_service_on(day)
    notices = [
        closed_notice(", ".join(labels), *reasons, several=len(labels) > 1)
        for reasons, labels in closed_counters.items()
    ]
    return Text("; ".join(notice.id for notice in notices), "; ".join(notice.en for notice in notices))


def closed_at(service: Service, closures: list[Closure], day: dt.date, start: dt.datetime, zone) -> Text | None:
    """Why a start within a closure for part of the day cannot be booked, or None if none closes it."""
    local = start.astimezone(zone).time()
    for counter in service.counters:
        for closure in partial_closures(closures, day, service.agency_id, counter.id):
            since, until = hours_closed(closure, day)
            if since <= local and (until is None or local < until):
                return closure_reason(closure, service)
    return None


def closure_reason(closure: Closure, service: Service) -> Text:
    """A closure in the words a citizen of this service reads: a holiday or the site's closure by its own
    reason, an agency's or a counter's naming it ("Dinas ... tutup: listrik padam")."""
    if closure.agency_id is None:
        return Text(closure.reason, closure.reason_en or closure.reason)
    labels = {counter.id: counter.label for counter in service.counters}
    what = service.agency.name if closure.counter_id is None else labels.get(closure.counter_id, service.agency.name)
    return closed_notice(what, closure.reason, closure.reason_en)


def service_availability(
    session: Session, site: Site, service_code: str, first: dt.date, last: dt.date, now: dt.datetime
) -> Availability:
    check_range(first, last, longest_days=MAX_DAYS)
    service = catalogue.get_service(session, site, service_code, offered_only=True)
    if service is None:
        raise NotFound(what="service")

    # what the catalogue alone says of each day is worked out once per catalogue version, not per call
    counter_ids, plans = rules_cache.derived(
        session,
        ("day plans", site.id, service.code, first, last),
        lambda: _day_plans(session, site, service, first, last),
    )
    zone = ZoneInfo(site.timezone)
    window_start = dt.datetime.combine(first, dt.time(), zone)
    window_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    # the plans name counters by position: their order, not that of this call's (perhaps reloaded) service
    booked = BookedPlaces(session, list(counter_ids), window_start, window_end)
    quota_used = _quota_used(session, service, first, last)
    days = [
        _day_offer(plan, service, site, first + dt.timedelta(days=n), now, booked, quota_used)
        for n, plan in enumerate(plans)
    ]
    return Availability(site=site, service=service, days=days)


@dataclass(frozen=True)
class DayPlan:
    """A service's day as its rules and closures make it, before any booking or the clock: closed (and why),
    or the starts it offers (and, should none be left, why)."""

    closed: Text | None
    starts: tuple[OfferedStart, ...] = ()
    without_starts: Text | None = None


def _day_plans(
    session: Session, site: Site, service: Service, first: dt.date, last: dt.date
) -> tuple[tuple[int, ...], tuple[DayPlan, ...]]:
    """The service's counters' ids in the order the plans name them by position, and each day's plan."""
    closures = catalogue.closures_between(session, site, first, last)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(counter.id for counter in service.counters), tuple(
        _day_plan(service, site, closures, day) for day in days
    )


def _day_plan(service: Service, site: Site, closures: list[Closure], day: dt.date) -> DayPlan:
    counters = open_counters(service, closures, day)
    if isinstance(counters, Closure):
        return DayPlan(closure_reason(counters, service))
    hours = tuple(
        ()
        if c is None
        else tuple(
            RuleHours.of(rule, closed_hours(closures, day, service.agency_id, c.id)) for rule in rules_on(c, day)
        )
        for c in counters
    )
    starts = tuple(offered_starts(day, ZoneInfo(site.timezone), hours))
    return DayPlan(None, starts, None if starts else why_closed(service, closures, day))


def _day_offer(plan: DayPlan, service, site, day, now, booked: BookedPlaces, quota_used) -> DayOffer:
    if day < site_today(site, now):
        return DayOffer(day, "closed", DAY_REASONS["past"])
    if day > last_bookable_day(site, now):
        return DayOffer(day, "closed", DAY_REASONS["not_yet_open"])
    if plan.closed is not None:
        return DayOffer(day, "closed", plan.closed)

    earliest = earliest_bookable_start(site, now)
    offers = [SlotOffer(s.starts_at, s.ends_at, booked.free_at(s)) for s in plan.starts if s.starts_at >= earliest]
    if not offers:
        return DayOffer(day, "closed", DAY_REASONS["too_late"] if plan.starts else plan.without_starts)

    reason = None
    if service.daily_quota is not None:
        quota_left = max(service.daily_quota - quota_used.get(day, 0), 0)
        for offer in offers:
            offer.remaining = min(offer.remaining, quota_left)
        if quota_left == 0:
            reason = DAY_REASONS["quota_exhausted"]
    status = "open" if any(offer.remaining for offer in offers) else "full"
    return DayOffer(day, status, reason, offers)


class BookedPlaces:
    """Places left to online booking in the slots somebody booked, over a range of time.

    A slot without a ``slot_loads`` row still has its rule's full online capacity; one with a row has
    what the row says is left (never the walk-in share). Reading a row per counter and slot was most of
    a 31-day call at national scale, so the database sums the rows of each start and says which
    counters have one; the rows one by one are read only when a start has a row for a counter that is
    not offering it that day (a counter closed, or hours changed after the booking was cancelled).
    """

    BITS_PER_QUERY = 62  # counters' positions are summed as bits into a 64-bit integer, on SQLite too

    def __init__(self, session: Session, counter_ids: list[int], start: dt.datetime, end: dt.datetime) -> None:
        self._session, self._counter_ids, self._start, self._end = session, counter_ids, start, end
        self._by_start: dict[dt.datetime, tuple[int, int]] = {}  # start -> (places left, positions with a row)
        self._by_counter: dict[tuple[int, dt.datetime], int] | None = None
        for offset in range(0, len(counter_ids), self.BITS_PER_QUERY):
            batch = counter_ids[offset : offset + self.BITS_PER_QUERY]
            position_bit = case({counter_id: 1 << n for n, counter_id in enumerate(batch)}, value=SlotLoad.counter_id)
            rows = session.execute(
                select(SlotLoad.starts_at, func.sum(_online_places_left()), func.sum(position_bit))
                .where(*self._rows_of(batch))
                .group_by(SlotLoad.starts_at)
            )
            for starts_at, free, bits in rows:
                known_free, known_positions = self._by_start.get(starts_at, (0, 0))
                self._by_start[starts_at] = (known_free + int(free), known_positions | int(bits) << offset)

    def free_at(self, start: OfferedStart) -> int:
        """Places left to book online at this start, over the counters offering it."""
        booked = self._by_start.get(start.starts_at)
        if booked is None:
            return start.online_capacity
        free, positions = booked
        if positions & ~start.positions == 0:
            untouched = sum(capacity for position, capacity in start.places if not positions >> position & 1)
            return untouched + free
        by_counter = self._rows_one_by_one()
        return sum(
            by_counter.get((self._counter_ids[position], start.starts_at), capacity)
            for position, capacity in start.places
        )

    def _rows_one_by_one(self) -> dict[tuple[int, dt.datetime], int]:
        if self._by_counter is None:
            rows = self._session.execute(
                select(SlotLoad.counter_id, SlotLoad.starts_at, _online_places_left()).where(
                    *self._rows_of(self._counter_ids)
                )
            )
            self._by_counter = {(counter_id, starts_at): free for counter_id, starts_at, free in rows}
        return self._by_counter

    def _rows_of(self, counter_ids):
        return SlotLoad.counter_id.in_(counter_ids), SlotLoad.starts_at >= self._start, SlotLoad.starts_at < self._end


def _online_places_left():
    """A row's places left to online booking: what its online share and its whole capacity both allow, at least 0."""
    left, online_left = SlotLoad.capacity - SlotLoad.booked, SlotLoad.online_capacity - SlotLoad.online_booked
    smaller = case((left < online_left, left), else_=online_left)
    return case((smaller > 0, smaller), else_=0)


def _quota_used(session, service, first, last) -> dict[dt.date, int]:
    if service.daily_quota is None:
        return {}
    rows = session.execute(
        select(ServiceDayLoad.day, ServiceDayLoad.booked).where(
            ServiceDayLoad.service_id == service.id, ServiceDayLoad.day.between(first, last)
        )
    )
    return {day: booked for day, booked in rows}
