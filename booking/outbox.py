"""The transactional outbox: which messages a booking change plans, and how workers claim and settle them.

Booking changes call ``plan_*`` in their own transaction, so a message exists exactly when the change
does. Workers claim due rows with a lease (``claim_due``), take one for sending (``start_sending``,
which re-checks the row and the booking at send time) and record what happened (``settle``). A row
that is ``sent`` is never taken again; a claim held by a dead worker is taken again after its lease.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session, joinedload

from booking.db import insert_ignoring_conflicts, note_messages_planned
from booking.models import (
    Booking,
    BookingStatus,
    Notification,
    NotificationStatus,
    Service,
    Site,
    Survey,
    SurveyAnswer,
    Ticket,
    TicketStatus,
    WaitlistEntry,
)

REMINDERS = ("reminder_day_before", "reminder_soon")
QUEUE_CHANNELS = ("sms", "whatsapp")  # "your turn soon" is worth a message only where it is read at once
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SendJob:
    """A row taken for sending, with the booking (and, for the queue's messages, the ticket) as they stand now."""

    notification: Notification
    booking: Booking
    ticket: Ticket | None = None
    survey: Survey | None = None  # the satisfaction survey a ``survey`` message links to
    waitlist_entry: WaitlistEntry | None = None  # the entry a ``waitlist_offer`` message links to
    visit: tuple[Booking, ...] = ()  # a visit's lead: every booking of the visit (lead first), which it lists


def plan_new_booking(session: Session, booking: Booking, site: Site, now: dt.datetime) -> None:
    _add(session, booking, [("booking_confirmed", now), *_reminders(booking, site, now)], now)


def plan_cancellation(session: Session, booking: Booking, now: dt.datetime) -> None:
    _cancel_pending(session, booking, now)
    _add(session, booking, [("booking_cancelled", now)], now)


def plan_reschedule(session: Session, booking: Booking, site: Site, now: dt.datetime) -> None:
    """Call after the booking moved and its ``revision`` went up: old reminders go, new ones come."""
    _cancel_pending(session, booking, now)
    _add(session, booking, [("booking_rescheduled", now), *_reminders(booking, site, now)], now)


def plan_turn_soon(session: Session, booking: Booking, now: dt.datetime) -> None:
    """Tell a waiting citizen their turn is near: once per booking (a unique row per kind and channel), on
    their SMS or WhatsApp channel, or by SMS when they gave a phone and chose neither (a walk-in)."""
    if not booking.citizen_phone:
        return
    channels = [channel for channel in booking.channels if channel in QUEUE_CHANNELS] or ["sms"]
    for channel in channels:
        _add_once(session, booking, "turn_soon", channel, now)


def plan_survey(session: Session, booking: Booking, now: dt.datetime) -> None:
    """The link to the visit's satisfaction survey: one message, on the first of the citizen's channels that
    has its contact (a walk-in who gave a phone and chose none: SMS); none when they chose no messages or
    gave no contact. Unique per booking, kind and channel: planned twice, it is still one message."""
    channel = survey_channel(booking)
    if channel is not None:
        _add_once(session, booking, "survey", channel, now)


def plan_waitlist_offer(session: Session, hold: Booking, now: dt.datetime) -> None:
    """The offer of a held place, on each of the citizen's channels, due now: one per hold, kind and channel."""
    for channel in hold.channels:
        _add_once(session, hold, "waitlist_offer", channel, now)


def survey_channel(booking: Booking) -> str | None:
    channels = booking.channels or (["sms"] if booking.walk_in else [])
    return next((channel for channel in channels if recipient_of(booking, channel)), None)


def reminder_times(booking: Booking, site: Site) -> dict[str, dt.datetime]:
    """When each reminder is due, in UTC, by the site's settings in its local time."""
    zone = ZoneInfo(site.timezone)
    times = {}
    if site.reminder_day_before_at is not None:
        day_before = booking.starts_at.astimezone(zone).date() - dt.timedelta(days=1)
        times["reminder_day_before"] = dt.datetime.combine(day_before, site.reminder_day_before_at, zone)
    if site.reminder_soon_minutes is not None:
        times["reminder_soon"] = booking.starts_at - dt.timedelta(minutes=site.reminder_soon_minutes)
    return {kind: moment.astimezone(dt.UTC) for kind, moment in times.items()}


def notifications_of(session: Session, booking: Booking):
    """What a booking's holder is shown of its messages: rows with ``kind``, ``channel``, ``status``, ``send_at``
    and ``sent_at``, in sending order (columns, not ORM objects: every creation answer reads them)."""
    return session.execute(
        select(
            Notification.kind, Notification.channel, Notification.status, Notification.send_at, Notification.sent_at
        )
        .where(Notification.booking_id == booking.id)
        .order_by(Notification.send_at, Notification.id)
    ).all()


def claim_due(session: Session, now: dt.datetime, *, lease: dt.timedelta, limit: int = 100) -> list[tuple[int, str]]:
    """Lease up to ``limit`` due rows to this sweep; rows leased by another (live) sweep are skipped.

    PostgreSQL skips rows another transaction has locked (``FOR UPDATE SKIP LOCKED``); SQLite has no row
    locks but runs one writer at a time, so the lease it reads is the lease that is there.
    """
    due = (
        select(Notification.id, Notification.channel)
        .where(
            Notification.status.in_([NotificationStatus.pending, NotificationStatus.sending]),
            Notification.send_at <= now,
            or_(Notification.lease_until.is_(None), Notification.lease_until < now),
        )
        .order_by(Notification.send_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = [(row_id, channel) for row_id, channel in session.execute(due)]
    ids = [row_id for row_id, _ in claimed]
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            # a 'sending' row whose lease ran out belongs to a worker that died: it is pending again
            .values(status=NotificationStatus.pending, lease_until=now + lease, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return claimed


def start_sending(session: Session, notification_id: int, now: dt.datetime, *, lease: dt.timedelta) -> SendJob | None:
    """Take one row for sending, or None if it is not ours to send (sent, cancelled, not due, taken).

    A reminder whose booking was cancelled or moved meanwhile is cancelled here, not sent.
    """
    taken = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status.in_([NotificationStatus.pending, NotificationStatus.sending]),
            Notification.send_at <= now,
            # a row another worker is sending right now has status sending and a lease in the future
            or_(Notification.status == NotificationStatus.pending, Notification.lease_until < now),
        )
        .values(
            status=NotificationStatus.sending,
            lease_until=now + lease,
            attempts=Notification.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    notification = session.get(Notification, notification_id, populate_existing=True)
    booking = session.scalar(
        select(Booking)
        .where(Booking.id == notification.booking_id)
        # all many-to-one: one joined read, where a query per relation was a fifth of a worker's time
        .options(
            joinedload(Booking.site),
            joinedload(Booking.counter),
            joinedload(Booking.service).joinedload(Service.agency),
        )
    )
    ticket = _latest_ticket(session, booking.id) if notification.kind == "turn_soon" else None
    survey = None
    if notification.kind == "survey":
        survey = session.scalar(select(Survey).where(Survey.booking_id == booking.id))
    entry = None
    if notification.kind == "waitlist_offer":
        entry = session.scalar(select(WaitlistEntry).where(WaitlistEntry.hold_id == booking.id))
    # erased meanwhile: never sent
    if (
        _no_longer_true(session, notification, booking, ticket, survey, now)
        or (notification.kind == "waitlist_offer" and entry is None)  # the citizen left the list
        or recipient_of(booking, notification.channel) is None
    ):
        notification.status = NotificationStatus.cancelled
        notification.lease_until = None
        session.flush()
        return None
    return SendJob(
        notification=notification, booking=booking, ticket=ticket, survey=survey, waitlist_entry=entry,
        visit=_visit_of(session, booking) if notification.kind in VISIT_KINDS else (),
    )  # fmt: skip


VISIT_KINDS = ("booking_confirmed", *REMINDERS, "booking_cancelled")  # the messages that list a visit's bookings


def _visit_of(session: Session, booking: Booking) -> tuple[Booking, ...]:
    """Every booking of the visit ``booking`` leads, the lead first, then by start; none for one booked alone."""
    if booking.visit_lead_id != booking.id:
        return ()
    members = session.scalars(
        select(Booking)
        .where(Booking.visit_lead_id == booking.id, Booking.id != booking.id)
        .options(joinedload(Booking.counter), joinedload(Booking.service).joinedload(Service.agency))
        .order_by(Booking.starts_at, Booking.id)
    )
    return (booking, *members)


def _no_longer_true(
    session: Session, notification: Notification, booking: Booking, ticket: Ticket | None, survey: Survey | None,
    now: dt.datetime,
) -> bool:  # fmt: skip
    """A reminder of a booking cancelled or moved, "your turn soon" once the ticket was called, or a survey
    already answered (on the ticket's page) or past its link's time."""
    if notification.kind in REMINDERS:
        return booking.status != BookingStatus.confirmed or booking.revision != notification.revision
    if notification.kind == "turn_soon":
        return ticket is None or ticket.status != TicketStatus.waiting
    if notification.kind == "waitlist_offer":  # accepted (held_until gone), declined, or run out
        return booking.status != BookingStatus.confirmed or booking.held_until is None or now >= booking.held_until
    if notification.kind == "survey":
        return survey is None or now >= survey.expires_at or session.get(SurveyAnswer, survey.id) is not None
    return False


def _latest_ticket(session: Session, booking_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.booking_id == booking_id)
        .options(joinedload(Ticket.agency), joinedload(Ticket.service))
        .order_by(Ticket.leg.desc())
        .limit(1)
    )


def settle(
    session: Session,
    notification_id: int,
    now: dt.datetime,
    *,
    delivered: bool,
    permanent: bool = False,
    error: str = "",
) -> str:
    """Record a send's outcome; a transient failure is retried later with backoff and jitter. Returns the status."""
    notification = session.get(Notification, notification_id, populate_existing=True)
    notification.lease_until = None
    notification.updated_at = now
    if delivered:
        notification.status, notification.sent_at, notification.last_error = NotificationStatus.sent, now, None
    elif permanent or notification.attempts >= MAX_ATTEMPTS:
        notification.status, notification.last_error = NotificationStatus.failed, error[:300]
    else:
        notification.status, notification.last_error = NotificationStatus.pending, error[:300]
        notification.send_at = now + retry_delay(notification.attempts)
    session.flush()
    return notification.status


def recipient_of(booking: Booking, channel: str) -> str | None:
    """Where a message of this channel goes; None once the citizen's contact is erased (or never given)."""
    return (booking.citizen_email if channel == "email" else booking.citizen_phone) or None


UNSENT = (NotificationStatus.pending, NotificationStatus.sending)


def cancel_unsent(session: Session, booking_id: int, now: dt.datetime, *, keep_kind: str | None = None) -> set[str]:
    """Cancel every message of a booking not sent yet, but those of ``keep_kind``; the channels of those kept."""
    kept: set[str] = set()
    if keep_kind is not None:
        kept = set(
            session.scalars(
                select(Notification.channel).where(
                    Notification.booking_id == booking_id,
                    Notification.kind == keep_kind,
                    Notification.status.in_(UNSENT),
                )
            )
        )
    cancelled = update(Notification).where(Notification.booking_id == booking_id, Notification.status.in_(UNSENT))
    if keep_kind is not None:
        cancelled = cancelled.where(Notification.kind != keep_kind)
    session.execute(
        cancelled.values(status=NotificationStatus.cancelled, lease_until=None, updated_at=now).execution_options(
            synchronize_session=False
        )
    )
    return kept


def list_notifications(session: Session, *, status: str | None, limit: int) -> list[tuple[Notification, str]]:
    statement = (
        select(Notification, Booking.code)
        .join(Booking, Booking.id == Notification.booking_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if status:
        statement = statement.where(Notification.status == status)
    return [(row, code) for row, code in session.execute(statement)]


def retry_failed(session: Session, notification_id: int, now: dt.datetime) -> bool:
    """An operator's retry: a failed row becomes due now with a fresh count of attempts."""
    changed = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == NotificationStatus.failed)
        .values(status=NotificationStatus.pending, send_at=now, attempts=0, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 1:
        note_messages_planned(session)
    return changed.rowcount == 1


@dataclass(frozen=True)
class OutboxStats:
    by_channel_status: dict[tuple[str, str], int]
    retries_by_channel: dict[str, int]
    oldest_due_seconds: float


def outbox_stats(session: Session, now: dt.datetime) -> OutboxStats:
    """For the operator's metrics: counts by channel and status, retries, age of the oldest due row."""
    counts = session.execute(
        select(Notification.channel, Notification.status, func.count(), func.sum(Notification.attempts)).group_by(
            Notification.channel, Notification.status
        )
    ).all()
    oldest = session.scalar(
        select(func.min(Notification.send_at)).where(
            Notification.status.in_([NotificationStatus.pending, NotificationStatus.sending]),
            Notification.send_at <= now,
        )
    )
    retries: dict[str, int] = {}
    for channel, status, count, attempts in counts:
        extra = (attempts or 0) - (count if status in (NotificationStatus.sent, NotificationStatus.failed) else 0)
        retries[channel] = retries.get(channel, 0) + max(extra, 0)
    return OutboxStats(
        by_channel_status={(channel, status): count for channel, status, count, _ in counts},
        retries_by_channel=retries,
        oldest_due_seconds=(now - oldest).total_seconds() if oldest else 0.0,
    )


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff from 30 s, capped at an hour, with +-20% jitter so retries do not march in step."""
    delay = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return delay * random.uniform(0.8, 1.2)


def _reminders(booking: Booking, site: Site, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The reminders to plan: none in the past, none after the start."""
    times = reminder_times(booking, site).items()
    return [(kind, send_at) for kind, send_at in times if now < send_at < booking.starts_at]


def _cancel_pending(session: Session, booking: Booking, now: dt.datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.booking_id == booking.id, Notification.status == NotificationStatus.pending)
        .values(status=NotificationStatus.cancelled, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _add(session: Session, booking: Booking, planned: list[tuple[str, dt.datetime]], now: dt.datetime) -> None:
    """Each planned ``(kind, send_at)`` on each of the booking's channels, in one INSERT (a booking's three rows
    went in three flushes of the unit of work: a sixth of a booking's time in Python)."""
    rows = [
        {
            "booking_id": booking.id,
            "kind": kind,
            "channel": channel,
            "revision": booking.revision,
            "status": NotificationStatus.pending,
            "send_at": send_at,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for kind, send_at in planned
        for channel in booking.channels
    ]
    if rows:
        session.execute(insert(Notification), rows)
    note_messages_planned(session)


def _add_once(session: Session, booking: Booking, kind: str, channel: str, now: dt.datetime) -> None:
    """One message of ``kind`` on ``channel``, due now, however often it is planned: a unique row per booking,
    kind and channel (the conflict is ignored)."""
    session.execute(
        insert_ignoring_conflicts(
            session,
            Notification,
            booking_id=booking.id,
            kind=kind,
            channel=channel,
            revision=booking.revision,
            status=NotificationStatus.pending,
            send_at=now,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )
    note_messages_planned(session)
