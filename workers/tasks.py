"""Tasks: thin wrappers that open a transaction, call the outbox or the notifications package, commit.

``sweep`` (beat, every few seconds, and the API's wake-up) leases due rows and queues one send task per
row; the send task re-checks the row and the booking at send time, sends through Apprise and records
the outcome. Time lives in the rows (``send_at``), never in long Celery ETAs; retries are rows put back
with a later ``send_at``.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from zoneinfo import ZoneInfo

from booking import counter_work, holidays, idempotency, outbox, personal_data, waitlist
from booking.bookings import display_code, manage_link, manage_token
from booking.db import Database
from booking.models import Booking, Survey, Ticket, WaitlistEntry
from booking.queue import ticket_label, ticket_link
from booking.survey import survey_path, survey_token
from notifications.delivery import deliver
from notifications.render import BookingFacts, VisitLine, render
from workers.app import (
    HOLIDAYS_TASK,
    NO_SHOW_TASK,
    PURGE_KEYS_TASK,
    RETENTION_TASK,
    SWEEP_TASK,
    WAITLIST_TASK,
    celery_app,
    settings,
)

log = logging.getLogger("workers.tasks")
SWEEP_BATCH = 200
RETENTION_BATCH = 200  # bookings erased per transaction


@cache
def database() -> Database:
    """One engine per worker process, made after the fork."""
    return Database(settings.resolved_database_url, pool_size=4, lock_timeout_ms=settings.lock_timeout_ms)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@celery_app.task(name=SWEEP_TASK)
def sweep() -> int:
    # A row queued but not taken within the send lease is queued again: its task may sit in the prefetch
    # of a worker that was killed (the broker gives it back only after its visibility timeout, an hour).
    # A second task for a row still in a live queue is harmless: start_sending lets only one send it.
    lease = dt.timedelta(seconds=settings.send_lease_seconds)
    leased = database().transaction(
        lambda session: outbox.claim_due(session, utc_now(), lease=lease, limit=SWEEP_BATCH)
    )
    for notification_id, channel in leased:
        SENDERS[channel].delay(notification_id)
    return len(leased)


@celery_app.task(name=PURGE_KEYS_TASK)
def purge_idempotency_keys() -> int:
    """Hourly housekeeping: forget Idempotency-Keys older than their time to live."""
    ttl = dt.timedelta(hours=settings.idempotency_ttl_hours)
    return database().transaction(lambda session: idempotency.purge_expired(session, now=utc_now(), ttl=ttl))


@celery_app.task(name=NO_SHOW_TASK)
def sweep_no_shows() -> int:
    """Every minute: bookings not checked in by the end of their site's grace period become no-shows."""
    return database().transaction(lambda session: counter_work.sweep_no_shows(session, utc_now()))


@celery_app.task(name=WAITLIST_TASK)
def release_expired_holds() -> int:
    """Places held for waiting-list offers that ran out go to the next in line (or back on sale); then places
    free on a day people wait for (more capacity from an admin) are offered to them."""
    released = database().transaction(lambda session: waitlist.release_expired(session, utc_now()))
    return released + database().transaction(lambda session: waitlist.offer_free_places(session, utc_now()))


@celery_app.task(name=RETENTION_TASK)
def erase_expired_personal_data() -> int:
    """Hourly: erase the personal data of bookings whose visit ended their site's retention days ago."""
    secret, erased = settings.resolved_secret_key, 0
    while True:  # in batches, each its own transaction, until a batch comes back short
        batch = database().transaction(
            lambda session: personal_data.erase_expired(
                session, now=utc_now(), secret_key=secret, limit=RETENTION_BATCH
            )
        )
        erased += batch
        if batch < RETENTION_BATCH:
            return erased


@celery_app.task(name=HOLIDAYS_TASK)
def sync_national_holidays() -> list[str]:
    """Daily: this year's and next year's national holidays and cuti bersama as closures. A new holiday on a
    day citizens booked is left open and logged, for a person to decide (``booking holidays load --force``)."""
    now = utc_now()
    years = holidays.years_ahead(now.date())
    result = database().transaction(lambda session: holidays.sync_national_holidays(session, years, now=now))
    for day, bookings in sorted(result.refused.items()):
        log.warning(
            "national holiday %s not closed: %d bookings on that day (%s); `booking holidays load --force` "
            "cancels them with a notice",
            day, len(bookings), ", ".join(booking["code"] for booking in bookings),
        )  # fmt: skip
    return result.lines()


def send(notification_id: int) -> str:
    job = database().transaction(lambda session: _prepare(session, notification_id))
    if job is None:
        return "skipped"
    channel, recipient, message, message_id = job
    outcome = deliver(
        channel, recipient, message, url_template=settings.notify_url(channel), message_id=message_id,
        success=settings.notify_success(channel),
    )  # fmt: skip
    status = database().transaction(lambda session: _settle(session, notification_id, outcome))
    if not outcome.delivered:
        log.warning("notification %s via %s: %s (%s)", notification_id, channel, outcome.error, status)
    return status


def _settle(session, notification_id: int, outcome) -> str:
    status = outbox.settle(
        session, notification_id, utc_now(), delivered=outcome.delivered, permanent=outcome.permanent,
        error=outcome.error,
    )  # fmt: skip
    # an erased booking kept its phone or e-mail only for this message
    personal_data.forget_contact_after_sending(session, notification_id)
    return status


def _prepare(session, notification_id: int):
    job = outbox.start_sending(
        session, notification_id, utc_now(), lease=dt.timedelta(seconds=settings.send_lease_seconds)
    )
    if job is None:
        return None
    row, booking = job.notification, job.booking
    recipient = outbox.recipient_of(booking, row.channel)
    facts = booking_facts(booking, job.ticket, job.survey, job.waitlist_entry, visit=job.visit)
    message = render(row.kind, row.channel, booking.locale, facts)
    return row.channel, recipient, message, f"antrian-{row.id}"


def booking_facts(
    booking: Booking, ticket: Ticket | None = None, survey: Survey | None = None, entry: WaitlistEntry | None = None,
    *, visit: tuple[Booking, ...] = (),
) -> BookingFacts:  # fmt: skip
    zone = ZoneInfo(booking.site.timezone)
    token = manage_token(settings.resolved_secret_key, booking.code, booking.manage_token_salt)
    label = ticket_label(ticket) if ticket else ""
    survey_url = ""
    if survey is not None:
        path = survey_path(booking.site.slug, survey_token(settings.resolved_secret_key, survey.public_id))
        survey_url = f"{settings.resolved_public_url}{path}"
    offer_path = ""
    if entry is not None:
        offer_path = waitlist.entry_path(
            booking.site.slug, waitlist.entry_token(settings.resolved_secret_key, entry.public_id)
        )
    return BookingFacts(
        code=display_code(booking.code),
        site_name=booking.site.name,
        site_address=booking.site.address,
        agency=booking.service.agency.name,
        service=booking.service.name,
        counter=booking.counter.label,
        start=booking.starts_at.astimezone(zone),
        end=booking.ends_at.astimezone(zone),
        requirements=tuple(booking.service.requirements),
        manage_url=manage_link(settings.resolved_public_url, booking.code, token),
        reason=booking.cancel_reason,
        ticket=label,
        ticket_url=ticket_link(settings.resolved_public_url, booking.site.slug, label) if ticket else "",
        survey_url=survey_url,
        survey_until=survey.expires_at.astimezone(zone) if survey is not None else None,
        offer_url=f"{settings.resolved_public_url}{offer_path}" if entry is not None else "",
        offer_until=booking.held_until.astimezone(zone) if booking.held_until else None,
        visit=visit_lines(visit, zone),
    )


def visit_lines(visit: tuple[Booking, ...], zone: ZoneInfo) -> tuple[VisitLine, ...]:
    """Each booking of a visit as a message lists it; whose, only when the visit is a family's."""
    family = len({member.citizen_nik_hash for member in visit}) > 1
    return tuple(
        VisitLine(
            service=member.service.name,
            agency=member.service.agency.name,
            counter=member.counter.label,
            start=member.starts_at.astimezone(zone),
            end=member.ends_at.astimezone(zone),
            who=(member.citizen_name or "-") if family else "",
        )
        for member in visit
    )


def _sender(channel: str):
    @celery_app.task(name=f"antrian.send_{channel}", rate_limit=settings.notify_rate_limit)
    def send_one(notification_id: int) -> str:
        return send(notification_id)

    return send_one


# One task per channel, so that each channel has its own rate limit (paid gateways).
SENDERS = {channel: _sender(channel) for channel in ("sms", "email", "whatsapp")}
