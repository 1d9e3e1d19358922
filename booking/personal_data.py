"""A citizen's personal data under UU PDP (27/2022): what is held and until when, its erasure, and who on
the staff sees a full name.

- **Erasure of one booking** is ``erase``, used by the citizen's request (``erase_on_request``) and by
  retention (``erase_expired``): name, NIK hash and last digits, phone and e-mail become NULL, the manage
  token's hash is replaced (the link opens nothing), the messages not sent yet are cancelled and the
  booking's ``Idempotency-Key`` rows forget the request and the answer. What reports need stays: service,
  counter, times, status, walk-in mark, day, and when it was made, checked in and served.
- **A booking still ahead is cancelled first** (its place given back, its reminders stopped) and its
  cancellation notice is still sent: the phone or e-mail it goes to is kept until that message is settled
  (``forget_contact_after_sending``), then erased. Whoever holds the link is told on the page; the notice
  tells the citizen too, should someone else have used their link.
- **Retention**: beat erases the data of bookings whose visit ended a site-set number of days ago, and
  deletes the waiting-list entries of days gone by (``booking.waitlist``: an entry for a past day serves
  nothing, so it is not kept for the retention days; an offered place's data lives on as its booking).
- **Names at the counter**: a clerk sees the full name of their own agency's citizens on the day they work
  (to call and greet them), masked on every other day; each such view is one audit row listing the codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from booking import audit, idempotency, outbox, waitlist
from booking.availability import site_today
from booking.bookings import cancel_booking, display_code, erased_token_hash, manage_token, visit_members
from booking.db import StaleRead
from booking.models import Booking, BookingStatus, Notification, Site, StaffRole
from booking.staff import Principal

CITIZEN = "citizen"  # the audit log's actor for what a citizen does with their own link
CANCELLATION_NOTICE = "booking_cancelled"
EMAIL_CHANNELS = {"email"}


@dataclass(frozen=True)
class HeldData:
    """What is held about the citizen of one booking, and until when."""

    booking: Booking
    erase_after: dt.datetime  # the visit's end plus the site's retention
    contact_kept_for_notice: bool  # erased already, but the phone or e-mail waits for the cancellation notice

    @property
    def purposes(self) -> list[str]:
        """Why each piece still held is held (keys of ``booking.messages.PERSONAL_DATA_PURPOSES``)."""
        booking = self.booking
        if self.contact_kept_for_notice:
            return ["contact_kept"]
        held = {
            "nik": booking.citizen_nik_hash,
            "name": booking.citizen_name,
            "phone": booking.citizen_phone,
            "email": booking.citizen_email,
        }
        return [purpose for purpose, value in held.items() if value]


def held_data(booking: Booking) -> HeldData:
    site = booking.site
    return HeldData(
        booking=booking,
        erase_after=booking.ends_at + dt.timedelta(days=site.personal_data_retention_days),
        contact_kept_for_notice=booking.personal_data_erased_at is not None
        and (booking.citizen_phone is not None or booking.citizen_email is not None),
    )


def erase_on_request(session: Session, booking: Booking, *, now: dt.datetime, secret_key: str) -> Booking:
    """The citizen's erasure: a booking still ahead is cancelled first, then the data erased; asking again
    once it is erased changes nothing."""
    if booking.personal_data_erased_at is not None:
        return booking
    ahead = booking.status == BookingStatus.confirmed and booking.starts_at > now
    members = visit_members(session, booking)  # a visit's lead: its link stands for every member's data too
    if ahead:
        cancel_booking(session, booking, now=now)  # and the members still ahead
    erase(session, booking, now=now, secret_key=secret_key, keep_cancellation_notice=True)
    for member in members:
        if member.personal_data_erased_at is None:
            erase(session, member, now=now, secret_key=secret_key)
    audit.record(
        session,
        actor=CITIZEN,
        action="personal_data.erase",
        target=f"booking:{booking.code}",
        site_id=booking.site_id,
        now=now,
        after={"cancelled": ahead},
    )
    return booking


def erase(
    session: Session, booking: Booking, *, now: dt.datetime, secret_key: str, keep_cancellation_notice: bool = False
) -> None:
    """Erase the citizen's data of one booking, in one conditional write (a second erasure racing this one
    finds nothing to match and runs again from a fresh read, where it finds the data erased).

    ``keep_cancellation_notice``: a cancellation notice not sent yet keeps its phone or e-mail until it
    is (retention keeps nothing).
    """
    kept = outbox.cancel_unsent(
        session, booking.id, now, keep_kind=CANCELLATION_NOTICE if keep_cancellation_notice else None
    )
    idempotency.forget_booking(session, booking.id)
    waitlist.erase_for_booking(session, booking)
    token = manage_token(secret_key, booking.code, booking.manage_token_salt)
    written = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.personal_data_erased_at.is_(None))
        .values(
            citizen_name=None,
            citizen_nik_hash=None,
            citizen_nik_last4=None,
            citizen_phone=booking.citizen_phone if kept - EMAIL_CHANNELS else None,
            citizen_email=booking.citizen_email if kept & EMAIL_CHANNELS else None,
            manage_token_hash=erased_token_hash(token),
            personal_data_erased_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:
        raise StaleRead(f"booking {booking.id} was erased since it was read")
    session.expire(booking)  # read again if the caller looks: what it held is gone


def forget_contact_after_sending(session: Session, notification_id: int) -> None:
    """After a message is settled: an erased booking with nothing left to send loses its phone and e-mail."""
    booking_id = select(Notification.booking_id).where(Notification.id == notification_id).scalar_subquery()
    _forget_contact(session, Booking.id == booking_id)


def erase_expired(session: Session, *, now: dt.datetime, secret_key: str, limit: int) -> int:
    """Retention: erase up to ``limit`` bookings whose visit ended their site's retention days ago (each
    site's run is one audit row); and the contact still kept by an erased booking with nothing to send."""
    erased = 0
    for site in session.scalars(select(Site).order_by(Site.id)):
        due = _expired(session, site, now, limit - erased)
        for booking in due:
            erase(session, booking, now=now, secret_key=secret_key)
        entries = waitlist.erase_past(session, site, now)
        if due or entries:
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="personal_data.retention",
                target=f"site:{site.slug}",
                site_id=site.id,
                now=now,
                after={"erased": len(due), "retention_days": site.personal_data_retention_days}
                | ({"waitlist_entries": entries} if entries else {}),
            )
        erased += len(due)
        if erased >= limit:
            break
    _forget_contact(session)  # a backstop: the send that should have done it may never have come
    return erased


def _expired(session: Session, site: Site, now: dt.datetime, limit: int) -> list[Booking]:
    cutoff = now - dt.timedelta(days=site.personal_data_retention_days)
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.site_id == site.id, Booking.personal_data_erased_at.is_(None), Booking.ends_at <= cutoff)
            .order_by(Booking.ends_at, Booking.id)
            .limit(limit)
        )
    )


def _forget_contact(session: Session, *which) -> None:
    unsent = exists().where(Notification.booking_id == Booking.id, Notification.status.in_(outbox.UNSENT))
    session.execute(
        update(Booking)
        .where(
            *which,
            Booking.personal_data_erased_at.is_not(None),
            (Booking.citizen_phone.is_not(None)) | (Booking.citizen_email.is_not(None)),
            ~unsent,
        )
        .values(citizen_phone=None, citizen_email=None)
        .execution_options(synchronize_session=False)
    )


def full_name_shown(principal: Principal, agency_id: int, day: dt.date, today: dt.date) -> bool:
    """A clerk calls and greets the citizens of their own agency on the day they work: the full name then,
    masked on any other day and for everyone else (an admin too). The NIK stays masked always."""
    return principal.role == StaffRole.staff and principal.agency_id == agency_id and day == today


def names_shown_today(principal: Principal, booking: Booking, now: dt.datetime) -> bool:
    return full_name_shown(principal, booking.service.agency_id, booking.local_date, site_today(booking.site, now))


def record_name_views(
    session: Session,
    principal: Principal,
    site_id: int,
    bookings: list[Booking],
    *,
    target: str,
    view: str,
    now: dt.datetime,
) -> None:
    """One audit row for one view of citizens' full names: who, when, where, and the codes seen."""
    codes = [display_code(booking.code) for booking in bookings if booking.citizen_name is not None]
    if not codes:
        return
    audit.record(
        session,
        actor=principal.username,
        action="citizen_names.view",
        target=target,
        site_id=site_id,
        now=now,
        after={"view": view, "bookings": codes},
    )
