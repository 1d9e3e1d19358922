"""What a change of the rules does to bookings already made: the one place that reconciles them.

An admin change (opening hours, capacity, walk-in share, closures, counters, the services a counter
serves, daily quotas) is applied in the session first; then ``settle_counters`` / ``settle_quota``
work out which future bookings would be left without a place under the new rules. Without ``force``
that is refused with the list (the caller's transaction rolls back and nothing changes); with
``force`` those bookings are cancelled, each with a notice giving the reason, and the capacity rows
(``slot_loads``, ``service_day_loads``) are set to the new rules, so future availability follows at once.

Which bookings lose their place when a slot shrinks: the newest first, so whoever booked earliest keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from booking import catalogue
from booking.availability import site_today
from booking.bookings import cancel_by_site, display_code
from booking.citizens import shown_citizen
from booking.errors import BookingsAffected
from booking.messages import Text
from booking.models import Booking, BookingStatus, Counter, Service, ServiceDayLoad, Site, SlotLoad
from booking.schedule import closed_hours, closure_for, counter_slots

SCHEDULE_CHANGED = Text("Jadwal layanan di MPP berubah.", "The service schedule at the MPP has changed.")
SERVICE_RETIRED = Text("Layanan ini tidak lagi tersedia di MPP.", "This service is no longer offered at the MPP.")
WAITING = (BookingStatus.confirmed, BookingStatus.checked_in)  # still to be served: they hold a place
SETTLED = (BookingStatus.served, BookingStatus.no_show)  # their place was used; nothing can move them
LONGEST_SLOT_MINUTES = 240  # the opening rules' CHECK


def settle_counters(
    session: Session, site: Site, counter_ids: set[int], *, now: dt.datetime, force: bool, reason: Text
) -> list[str]:
    """Fit the future bookings of these counters to their rules as they now stand; the codes cancelled."""
    session.flush()
    if not counter_ids:
        return []
    _hold(session, select(Counter.id).where(Counter.id.in_(counter_ids)).order_by(Counter.id))
    zone = ZoneInfo(site.timezone)
    counters = {
        counter.id: counter
        for counter in session.scalars(
            select(Counter)
            .where(Counter.id.in_(counter_ids))
            .options(selectinload(Counter.rules), selectinload(Counter.services))
            .execution_options(populate_existing=True)
        )
    }
    bookings = _future_bookings(session, Booking.counter_id.in_(counter_ids), now, WAITING + SETTLED)
    # from the slot under way: walk-ins still go into it
    since = now - dt.timedelta(minutes=LONGEST_SLOT_MINUTES)
    loads = list(
        session.scalars(select(SlotLoad).where(SlotLoad.counter_id.in_(counter_ids), SlotLoad.starts_at >= since))
    )
    days = {b.local_date for b in bookings} | {load.starts_at.astimezone(zone).date() for load in loads}
    closures = catalogue.closures_between(session, site, min(days), max(days)) if days else []
    slots = {}
    for counter_id, day in {(c, d) for c in counter_ids for d in days}:
        counter = counters.get(counter_id)
        if counter is None or closure_for(closures, day, counter.agency_id, counter.id) is not None:
            continue
        for slot in counter_slots(counter, day, zone, closed_hours(closures, day, counter.agency_id, counter.id)):
            slots[(counter_id, slot.starts_at)] = slot

    by_slot: dict[tuple[int, dt.datetime], list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_slot[(booking.counter_id, booking.starts_at)].append(booking)
    affected: list[Booking] = []
    for key, holders in by_slot.items():
        slot, counter = slots.get(key), counters.get(key[0])
        served = {service.id for service in counter.services} if counter else set()
        waiting = [b for b in holders if b.status in WAITING]
        settled = len(holders) - len(waiting)  # served or no-show: their place is used, whatever the rules say now
        fitting = [b for b in waiting if slot is not None and b.service_id in served]
        affected += [b for b in waiting if b not in fitting]
        capacity = slot.capacity if slot else 0
        fitting.sort(key=_keeps_place_first)
        affected += fitting[max(capacity - settled, 0) :]

    cancelled = _cancel_or_refuse(session, site, affected, now=now, force=force, reason=reason)
    future = (SlotLoad.counter_id.in_(counter_ids), SlotLoad.starts_at >= since)
    # an empty row is made again by the next booking, from the rules of that moment
    session.execute(delete(SlotLoad).where(*future, SlotLoad.booked == 0).execution_options(synchronize_session=False))
    for counter_id, starts_at in {(load.counter_id, load.starts_at) for load in loads}:
        slot = slots.get((counter_id, starts_at))
        capacity = slot.capacity if slot else 0
        session.execute(
            update(SlotLoad)
            .where(SlotLoad.counter_id == counter_id, SlotLoad.starts_at == starts_at)
            # a served citizen keeps the place they used even when a closure now says 0
            .values(
                capacity=case((SlotLoad.booked > capacity, SlotLoad.booked), else_=capacity),
                online_capacity=slot.online_capacity if slot else 0,
            )
            .execution_options(synchronize_session=False)
        )
    return cancelled


def settle_quota(session: Session, site: Site, service: Service, *, now: dt.datetime, force: bool, reason: Text):
    """Fit the future online bookings of a service to its daily quota as it now stands."""
    session.flush()
    _hold(session, select(Service.id).where(Service.id == service.id))
    today = site_today(site, now)
    if service.daily_quota is None:
        session.execute(
            delete(ServiceDayLoad).where(ServiceDayLoad.service_id == service.id, ServiceDayLoad.day >= today)
        )
        return []
    counts = dict(
        session.execute(
            select(Booking.local_date, func.count())
            .where(
                Booking.service_id == service.id,
                Booking.local_date >= today,
                Booking.status != BookingStatus.cancelled,
                Booking.walk_in.is_(False),
            )
            .group_by(Booking.local_date)
        ).all()
    )
    affected: list[Booking] = []
    for day, count in counts.items():
        if count > service.daily_quota:
            movable = _future_bookings(
                session,
                (Booking.service_id == service.id) & (Booking.local_date == day) & Booking.walk_in.is_(False),
                now,
                WAITING,
            )
            movable.sort(key=_keeps_place_first)
            excess = min(count - service.daily_quota, len(movable))  # served ones cannot give theirs back
            affected += movable[len(movable) - excess :]
    cancelled = _cancel_or_refuse(session, site, affected, now=now, force=force, reason=reason)
    session.execute(_quota_rows_from(service, today))
    for day, count in counts.items():
        left = count - sum(1 for b in affected if b.local_date == day)
        quota = max(service.daily_quota, left)  # what was served today stays counted
        session.add(ServiceDayLoad(service_id=service.id, day=day, quota=quota, booked=left))
    session.flush()
    return cancelled


def settle_retired(
    session: Session, site: Site, service_ids: set[int], *, now: dt.datetime, force: bool, reason: Text
) -> list[str]:
    """Services no longer offered: their future bookings still waiting lose their place (listed, or
    cancelled with a notice when forced). Served and missed ones stay, as the service's history."""
    session.flush()
    if not service_ids:
        return []
    _hold(session, select(Service.id).where(Service.id.in_(service_ids)).order_by(Service.id))
    affected = _future_bookings(session, Booking.service_id.in_(service_ids), now, WAITING)
    return _cancel_or_refuse(session, site, affected, now=now, force=force, reason=reason)


def counters_of_scope(session: Session, site: Site, agency_id: int | None, counter_id: int | None) -> set[int]:
    """The counters a closure touches: one counter, an agency's, or the whole site's."""
    if counter_id is not None:
        return {counter_id}
    query = select(Counter.id).where(Counter.site_id == site.id)
    if agency_id is not None:
        query = query.where(Counter.agency_id == agency_id)
    return set(session.scalars(query))


def described(booking: Booking) -> dict:
    """A booking as the refusal lists it: enough for the admin to decide, citizen data masked."""
    zone = ZoneInfo(booking.site.timezone)
    return {
        "code": display_code(booking.code),
        "start": booking.starts_at.astimezone(zone).isoformat(),
        "service": booking.service.code,
        "counter": booking.counter.label,
        "status": str(booking.status),
        "citizen": shown_citizen(booking).name,
    }


def _quota_rows_from(service: Service, day: dt.date):
    return delete(ServiceDayLoad).where(ServiceDayLoad.service_id == service.id, ServiceDayLoad.day >= day)


def _hold(session: Session, rows) -> None:
    """Lock the rows an admin change settles (PostgreSQL ``FOR UPDATE``): bookings hold them with
    ``FOR KEY SHARE`` (``bookings.hold_rules``), so none can read the old rules meanwhile."""
    session.execute(rows.with_for_update())


def _keeps_place_first(booking: Booking):
    """Who keeps a place when there are too few: checked-in citizens (in the building), then the earliest."""
    return (booking.status != BookingStatus.checked_in, booking.created_at, booking.id)


def _future_bookings(session: Session, condition, now: dt.datetime, statuses) -> list[Booking]:
    """Bookings whose slot has not ended (the one under way included)."""
    return list(
        session.scalars(
            select(Booking)
            .where(condition, Booking.ends_at > now, Booking.status.in_(statuses))
            .options(selectinload(Booking.site), selectinload(Booking.service), selectinload(Booking.counter))
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def _cancel_or_refuse(session, site, affected: list[Booking], *, now, force: bool, reason: Text) -> list[str]:
    affected = list({booking.id: booking for booking in affected}.values())
    if affected and not force:
        raise BookingsAffected([described(booking) for booking in affected])
    for booking in affected:
        cancel_by_site(session, booking, reason=reason(booking.locale), now=now)
    return [display_code(booking.code) for booking in affected]
