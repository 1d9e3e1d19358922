"""Work at the counter: the day's schedule, and the steps a booking goes through on its day.

The steps (check-in, served, no-show) are ``booking.lifecycle``'s: each is one conditional UPDATE on the
booking as it was read, so two clerks pressing the same button at once, or a clerk's check-in racing the
citizen's cancellation, end in one state: one succeeds, the other is told ``invalid_transition``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from booking import audit, catalogue, lifecycle, personal_data
from booking.availability import site_today
from booking.bookings import WalkInRequest, book_walk_in, booking_by_code, hold_rules, normalise_code
from booking.errors import InvalidTransition, NotFound, WrongDay
from booking.models import Agency, Booking, BookingStatus, Counter, Notification, NotificationStatus, Site
from booking.staff import Principal, require_agency

# A scanned QR code holds the booking's code, or its manage link (.../b/FBJ5-HX5W?token=...).
_LINK_CODE = re.compile(r"/b/([A-Za-z0-9-]+)")


def code_from_scan(text: str) -> str:
    """A booking code from what a clerk typed or a scanner sent: the code in any case, or a manage link."""
    match = _LINK_CODE.search(text)
    return normalise_code(match.group(1) if match else text)


def booking_for_staff(session: Session, principal: Principal, code: str) -> Booking:
    booking = booking_by_code(session, code_from_scan(code))
    if booking is None:
        raise NotFound(what="booking")
    require_agency(principal, booking.site_id, booking.service.agency_id)
    return booking


def look_up(session: Session, principal: Principal, code: str, *, now: dt.datetime) -> Booking:
    """One booking for the counter; a view of a full name (``personal_data.names_shown_today``) is audited."""
    booking = booking_for_staff(session, principal, code)
    if personal_data.names_shown_today(principal, booking, now):
        personal_data.record_name_views(
            session, principal, booking.site_id, [booking], target=f"booking:{booking.code}", view="booking", now=now
        )
    return booking


def advance(session: Session, principal: Principal, booking: Booking, action: str, *, now: dt.datetime) -> Booking:
    """Take one step of the state machine for a booking of today, or refuse it."""
    step = lifecycle.require_step(booking, action)
    today = site_today(booking.site, now)
    if booking.local_date != today:
        raise WrongDay(date=booking.local_date)
    if action == "no_show" and now < booking.starts_at:
        raise InvalidTransition(status=booking.status, action=action)
    before = str(booking.status)
    lifecycle.take_step(session, booking, action, now=now)
    audit.record(
        session,
        actor=principal.username,
        action=f"booking.{action}",
        target=f"booking:{booking.code}",
        site_id=booking.site_id,
        now=now,
        before={"status": before},
        after={"status": str(step.target)},
    )
    return booking


def walk_in(
    session: Session, principal: Principal, site: Site, request: WalkInRequest, *, now: dt.datetime, secret_key: str
) -> Booking:
    """A walk-in booked by a clerk of the service's agency, and audited."""
    hold_rules(session, site, request.service)
    service = catalogue.bookable_service(session, site, request.service)
    require_agency(principal, site.id, service.agency_id)
    booking = book_walk_in(session, site, service, request, now=now, secret_key=secret_key).booking
    audit.record(
        session,
        actor=principal.username,
        action="booking.walk_in",
        target=f"booking:{booking.code}",
        site_id=site.id,
        now=now,
        after={
            "status": str(booking.status),
            "service": service.code,
            "counter": booking.counter.label,
            "start": booking.starts_at.isoformat(),
        },
    )
    return booking


def sweep_no_shows(session: Session, now: dt.datetime) -> int:
    """Bookings not checked in by the end of their site's grace period become no-shows."""
    overdue = session.execute(
        select(Booking, Site.no_show_grace_minutes)
        .join(Site, Site.id == Booking.site_id)
        .where(Booking.status == BookingStatus.confirmed, Booking.held_until.is_(None), Booking.starts_at < now)
    ).all()
    marked = 0
    for booking, grace in overdue:
        if booking.starts_at + dt.timedelta(minutes=grace) > now:
            continue
        # a clerk's check-in that got there first wins; the sweep leaves that booking alone
        if lifecycle.try_step(session, booking, "no_show", now=now):
            marked += 1
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="booking.no_show",
                target=f"booking:{booking.code}",
                site_id=booking.site_id,
                now=now,
                before={"status": "confirmed"},
                after={"status": "no_show", "grace_minutes": grace},
            )
    return marked


@dataclass
class ScheduleRow:
    booking: Booking
    notification_status: str  # none, pending, sent, failed: how the citizen's confirmation went


@dataclass
class CounterSchedule:
    label: str
    rows: list[ScheduleRow] = field(default_factory=list)


@dataclass
class DaySchedule:
    site: Site
    agency: Agency
    date: dt.date
    counters: list[CounterSchedule]
    full_names: bool  # the clerk's own agency on the day they work: names in full (this view is audited)


def day_schedule(
    session: Session, principal: Principal, site: Site, agency_slug: str | None, day: dt.date, *,
    now: dt.datetime, view: str,
) -> DaySchedule:  # fmt: skip
    """Every counter of an agency with its bookings of the day in time order (cancelled ones left out).

    When it shows full names, the view (``view`` says which: the API's JSON or CSV, the page, the print)
    is written to the audit log with the codes shown: the caller's transaction must be a write.
    """
    if agency_slug is not None and catalogue.unusable_key(agency_slug):
        raise NotFound(what="agency")
    if agency_slug is None and principal.agency_id is not None:
        agency = session.get(Agency, principal.agency_id)
    else:
        agency = session.scalar(select(Agency).where(Agency.site_id == site.id, Agency.slug == (agency_slug or "")))
    if agency is None:
        raise NotFound(what="agency")
    require_agency(principal, agency.site_id, agency.id)
    counters = list(session.scalars(select(Counter).where(Counter.agency_id == agency.id).order_by(Counter.label)))
    bookings = list(
        session.scalars(
            select(Booking)
            .where(
                Booking.counter_id.in_([counter.id for counter in counters]),
                Booking.local_date == day,
                Booking.status != BookingStatus.cancelled,
            )
            .options(
                selectinload(Booking.service),
                selectinload(Booking.site),
                selectinload(Booking.counter),
                selectinload(Booking.booked_by),  # "dibuat oleh" on the schedule
            )
            .order_by(Booking.starts_at, Booking.created_at)
        )
    )
    delivery = _confirmation_status(session, [booking.id for booking in bookings])
    by_counter = {counter.id: CounterSchedule(counter.label) for counter in counters}
    for booking in bookings:
        by_counter[booking.counter_id].rows.append(ScheduleRow(booking, delivery.get(booking.id, "none")))
    full_names = personal_data.full_name_shown(principal, agency.id, day, site_today(site, now))
    if full_names:
        target = f"schedule:{agency.slug}:{day.isoformat()}"
        personal_data.record_name_views(session, principal, site.id, bookings, target=target, view=view, now=now)
    return DaySchedule(site=site, agency=agency, date=day, counters=list(by_counter.values()), full_names=full_names)


def _confirmation_status(session: Session, booking_ids: list[int]) -> dict[int, str]:
    """Per booking, the worst outcome of its confirmation or reschedule messages of the current revision."""
    if not booking_ids:
        return {}
    rows = session.execute(
        select(Notification.booking_id, Notification.status)
        .join(Booking, Booking.id == Notification.booking_id)
        .where(
            Notification.booking_id.in_(booking_ids),
            Notification.kind.in_(["booking_confirmed", "booking_rescheduled"]),
            Notification.revision == Booking.revision,
        )
    )
    rank = {NotificationStatus.sent: 0, NotificationStatus.pending: 1, NotificationStatus.failed: 2}
    worst: dict[int, str] = {}
    for booking_id, status in rows:
        if status == NotificationStatus.cancelled:
            continue
        shown = NotificationStatus.pending if status == NotificationStatus.sending else NotificationStatus(status)
        if booking_id not in worst or rank[shown] > rank[NotificationStatus(worst[booking_id])]:
            worst[booking_id] = str(shown)
    return worst
