"""Booking on someone's behalf: a clerk at the front desk, or a partner account (a kantor desa), books a
future slot for a citizen who has no phone, no data plan or no wish to do it alone.

It is the citizen's booking in every respect: the same ``create_booking`` (through ``idempotency.book_once``)
takes the place, so one booking per NIK per service per day, capacity, the quota, the lead time and window,
closures and every input rule hold exactly as for anyone, and the confirmation and manage link still go to
the phone or e-mail the citizen gave (the outbox, as usual). What differs: who may do it (a clerk for their
own agency, an admin or a partner for any agency of their site: ``staff.require_booking_for``), the phone is
needed only for the channels that use it, the booking names the account that made it
(``bookings.booked_by_account_id``), and the audit log records it (actor, booking code, never the NIK).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from booking import audit, catalogue, idempotency
from booking.bookings import BookingRequest, NewBooking
from booking.models import Booking
from booking.staff import Principal, require_booking_for

ACTION = "booking.assisted"


def book_for_citizen(
    session: Session,
    principal: Principal,
    site_slug: str,
    request: BookingRequest,
    *,
    key: str | None,
    request_hash: str,
    answer: Callable[[Session, NewBooking], dict],
    now: dt.datetime,
    ttl: dt.timedelta,
    secret_key: str,
    channels_ready: tuple[str, ...],
) -> idempotency.Booked:
    """Book ``request`` for a citizen in the caller's transaction, as ``principal``; audited once (a replay
    under the same key books and audits nothing). A service the caller may not book for is ``forbidden``
    before anything is written; an unknown or retired one is left to the booking's own field errors."""
    site = catalogue.get_site(session, site_slug)
    service = catalogue.get_service(session, site, request.service)
    require_booking_for(principal, site.id, service.agency_id if service is not None else None)

    def answered(inner: Session, made: NewBooking) -> dict:
        record(inner, principal, made.booking, now)
        return answer(inner, made)

    return idempotency.book_once(
        session, site, dataclasses.replace(request, booked_by=principal.user_id), key=key,
        request_hash=request_hash, answer=answered, now=now, ttl=ttl, secret_key=secret_key,
        channels_ready=channels_ready,
    )  # fmt: skip


def record(session: Session, principal: Principal, booking: Booking, now: dt.datetime) -> None:
    """The audit row of an assisted booking: who, which booking, what; no name, NIK, phone or e-mail."""
    audit.record(
        session,
        actor=principal.username,
        action=ACTION,
        target=f"booking:{booking.code}",
        site_id=booking.site_id,
        now=now,
        after={
            "role": str(principal.role),
            "service": booking.service.code,
            "counter": booking.counter.label,
            "start": booking.starts_at.isoformat(),
            "channels": list(booking.channels),
        },
    )


def booked_by_name(booking: Booking) -> str | None:
    """The username of the account that booked on the citizen's behalf, or None (the citizen booked)."""
    return booking.booked_by.username if booking.booked_by_account_id is not None and booking.booked_by else None
