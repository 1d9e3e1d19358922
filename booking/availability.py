"""Which slots of a service are free over a range of days (at most 31 per call).

A slot's ``remaining`` is summed over every counter that serves the service and is open then, and
capped by what is left of the service's daily quota. Places are counted from ``slot_loads`` rows, which
exist only for slots somebody booked: an untouched slot has its rule's full capacity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import catalogue
from booking.errors import FieldError, InvalidInput, NotFound
from booking.messages import DAY_REASONS, Text
from booking.models import Closure, Service, ServiceDayLoad, Site, SlotLoad
from booking.schedule import CounterSlot, closure_for, counter_slots

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
    whole_agency = closure_for(closures, day, service.agency_id)
    if whole_agency is not None:
        return whole_agency
    zone = ZoneInfo(site.timezone)
    return [
        slot
        for counter in service.counters
        if closure_for(closures, day, service.agency_id, counter.id) is None
        for slot in counter_slots(counter, day, zone)
    ]


def service_availability(
    session: Session, site: Site, service_code: str, first: dt.date, last: dt.date, now: dt.datetime
) -> Availability:
    if last < first:
        raise InvalidInput([FieldError("to", "range_reversed")])
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput([FieldError("to", "range_too_long", {"days": MAX_DAYS})])
    service = catalogue.get_service(session, site, service_code)
    if service is None:
        raise NotFound(what="service")

    zone = ZoneInfo(site.timezone)
    closures = catalogue.closures_between(session, site, first, last)
    window_start = dt.datetime.combine(first, dt.time(), zone)
    window_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    left = _places_left(session, [c.id for c in service.counters], window_start, window_end)
    quota_used = _quota_used(session, service, first, last)

    days = [
        _day_offer(service, site, closures, first + dt.timedelta(days=n), now, left, quota_used)
        for n in range((last - first).days + 1)
    ]
    return Availability(site=site, service=service, days=days)


def _day_offer(service, site, closures, day, now, left, quota_used) -> DayOffer:
    if day < site_today(site, now):
        return DayOffer(day, "closed", DAY_REASONS["past"])
    if day > last_bookable_day(site, now):
        return DayOffer(day, "closed", DAY_REASONS["not_yet_open"])
    slots = open_slots(service, site, closures, day)
    if isinstance(slots, Closure):
        return DayOffer(day, "closed", Text(slots.reason, slots.reason_en or slots.reason))

    earliest = earliest_bookable_start(site, now)
    by_start: dict[dt.datetime, SlotOffer] = {}
    for slot in slots:
        if slot.starts_at < earliest:
            continue
        free = max(left.get((slot.counter_id, slot.starts_at), slot.online_capacity), 0)
        offer = by_start.get(slot.starts_at)
        if offer is None:  # not setdefault: that would build an offer per counter only to throw most away
            offer = by_start[slot.starts_at] = SlotOffer(slot.starts_at, slot.ends_at, 0)
        offer.remaining += free
    if not by_start:
        return DayOffer(day, "closed", DAY_REASONS["no_service"])

    offers = sorted(by_start.values(), key=lambda offer: offer.starts_at)
    reason = None
    if service.daily_quota is not None:
        quota_left = max(service.daily_quota - quota_used.get(day, 0), 0)
        for offer in offers:
            offer.remaining = min(offer.remaining, quota_left)
        if quota_left == 0:
            reason = DAY_REASONS["quota_exhausted"]
    status = "open" if any(offer.remaining for offer in offers) else "full"
    return DayOffer(day, status, reason, offers)


def _places_left(session, counter_ids, start, end) -> dict[tuple[int, dt.datetime], int]:
    """Places left to online booking in the slots somebody booked (never the walk-in share); a slot
    without a row still has its rule's online capacity."""
    if not counter_ids:
        return {}
    rows = session.execute(
        select(
            SlotLoad.counter_id,
            SlotLoad.starts_at,
            SlotLoad.capacity - SlotLoad.booked,
            SlotLoad.online_capacity - SlotLoad.online_booked,
        ).where(SlotLoad.counter_id.in_(counter_ids), SlotLoad.starts_at >= start, SlotLoad.starts_at < end)
    )
    return {(counter_id, starts_at): min(left, online_left) for counter_id, starts_at, left, online_left in rows}


def _quota_used(session, service, first, last) -> dict[dt.date, int]:
    if service.daily_quota is None:
        return {}
    rows = session.execute(
        select(ServiceDayLoad.day, ServiceDayLoad.booked).where(
            ServiceDayLoad.service_id == service.id, ServiceDayLoad.day.between(first, last)
        )
    )
    return {day: booked for day, booked in rows}
