"""The waiting list of a full day: joining it, the offer of a freed place to the first in line, and its answer.

A citizen joins a service's list for one day while that day is full (otherwise they book), or for "the first
place that frees from this day to that one" (up to ``MAX_DAYS_WAITED`` days, every one of them full or closed):
one entry, offered the first place freed on any of its days. One entry per citizen (NIK hash) per service per
day: a unique index on the entry's first day, and ``join`` refuses days that meet another of the citizen's
entries. The list's order is the entries' ids; a place on a day is offered to the first entry waiting for it.

**When a place frees, it is offered in the same transaction that frees it** (``offer_freed``, called by
cancellation, a move to another day, and the release of an offer declined or run out). The offer is a
booking *held* for the first waiting entry (``bookings.hold_place``): it takes the very place just given
back, by the same conditional writes as any booking, before the transaction commits, so between "place
freed" and "offer made" there is no moment at which anyone else could book it, and nothing a killed worker
could lose: the hold, the entry's change and the offer message (the outbox) commit with the cancellation or
not at all. A sweep matching free places to entries afterwards would leave the place on sale meanwhile,
which is what the list is there to stop. An entry is offered once (``waiting`` -> ``offered`` by one
conditional write); what happens to the place then is the hold's own story: accepted (a booking), declined or
run out (released, and offered to the next). Beat releases the holds that ran out (``release_expired``).

Personal data: an entry holds the citizen's name, NIK hash and last digits, phone and e-mail. Leaving the
list deletes it; retention deletes the entries whose days have all gone by (``erase_past``), whatever the site's
retention days (an entry for a past day serves nothing); an offered place carries the data on as a booking,
under the bookings' own retention and erasure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from booking import bookings, catalogue, outbox
from booking.availability import last_bookable_day, service_availability, site_today
from booking.citizens import nik_hash
from booking.db import StaleRead
from booking.errors import (
    Closed,
    DayHasRoom,
    DuplicateBooking,
    FieldError,
    InvalidInput,
    NotFound,
    OfferExpired,
    OfferUsed,
    QuotaExhausted,
    SlotFull,
    WaitlistDuplicate,
)
from booking.models import Booking, BookingStatus, Service, Site, WaitlistEntry, WaitlistStatus

PUBLIC_ID_LENGTH = 16  # secrets.token_urlsafe(12): 96 random bits
TOKEN = re.compile(r"[A-Za-z0-9_-]{38}")  # the public id (16) and the HMAC's 16 bytes, unpadded (22)
SHORTEST_HOLD = dt.timedelta(minutes=5)  # a place sooner than twice this is not worth offering
OFFER_TRIES = 20  # entries tried for one place (each one skipped already has a booking that day)
MAX_DAYS_WAITED = 14  # "the first free place in the next N days": N at most this (a list is for a near need)


@dataclass(frozen=True)
class WaitlistRequest:
    service: str
    date: dt.date  # the (first) day waited for
    nik: str
    name: str
    phone: str
    email: str | None = None
    channels: tuple[str, ...] = ("sms",)
    locale: str = "id"
    privacy_notice: str | None = None
    until: dt.date | None = None  # the last day waited for; None: ``date`` only
    no_messages: bool = False  # never true: an offer must reach the citizen; kept for the shared input check


@dataclass(frozen=True)
class Joined:
    entry: WaitlistEntry
    token: str


def join(
    session: Session, site: Site, request: WaitlistRequest, *, now: dt.datetime, secret_key: str,
    channels_ready: tuple[str, ...],
) -> Joined:  # fmt: skip
    """Put the citizen on the list of a full day, or of full days ``request.date`` to ``request.until``;
    ``day_has_room`` (naming the first such day) when one of them has room (book instead)."""
    citizen, service, notice = bookings.check_details(session, site, request, channels_ready)
    day, last = request.date, request.until or request.date
    last_bookable = last_bookable_day(site, now)
    if not site_today(site, now) <= day <= last_bookable:
        raise InvalidInput([FieldError("date", "date_out_of_range")])
    if not day <= last <= min(last_bookable, day + dt.timedelta(days=MAX_DAYS_WAITED - 1)):
        raise InvalidInput([FieldError("until", "date_out_of_range")])
    days = service_availability(session, site, service.code, day, last, now).days
    if room := next((offer for offer in days if offer.status == "open"), None):
        raise DayHasRoom(date=room.date)
    if all(offer.status == "closed" for offer in days):
        raise bookings.closed_because(days[0].reason)
    digest = nik_hash(secret_key, citizen.nik)
    for offer in days:
        bookings.refuse_duplicate(session, service, offer.date, digest)
    if session.scalar(select(WaitlistEntry.id).where(_meets(service.id, day, last), _of(digest))) is not None:
        raise WaitlistDuplicate()
    entry = WaitlistEntry(
        site_id=site.id, service=service, local_date=day, last_date=last, public_id=secrets.token_urlsafe(12),
        status=WaitlistStatus.waiting, citizen_nik_hash=digest, citizen_nik_last4=citizen.nik[-4:],
        citizen_name=citizen.name, citizen_phone=citizen.phone, citizen_email=citizen.email,
        channels=list(dict.fromkeys(request.channels)), locale=request.locale, privacy_notice_version=notice,
        created_at=now,
    )  # fmt: skip
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError as error:
        if "nik_hash" in str(error.orig):
            raise WaitlistDuplicate() from None
        raise
    return Joined(entry, entry_token(secret_key, entry.public_id))


def _meets(service_id: int, first: dt.date, last: dt.date):
    """Entries of the service waiting for at least one day from ``first`` to ``last``."""
    return (
        (WaitlistEntry.service_id == service_id)
        & (WaitlistEntry.local_date <= last)
        & (WaitlistEntry.last_date >= first)
    )


def _of(nik_digest: str):
    return WaitlistEntry.citizen_nik_hash == nik_digest


def entry_token(secret_key: str, public_id: str) -> str:
    """The secret of an entry's link: its public id and an HMAC of it with the server secret."""
    digest = hmac.new(secret_key.encode(), f"waitlist:{public_id}".encode(), hashlib.sha256).digest()
    return public_id + base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def entry_path(site_slug: str, token: str) -> str:
    return f"/s/{site_slug}/daftar-tunggu/{token}"


def entry_by_token(session: Session, site: Site, token: str, *, secret_key: str) -> WaitlistEntry:
    """The entry a link opens; 404 alike for an unknown id, a wrong signature or another site's entry (and for
    an entry that left the list: it is gone)."""
    entry = None
    if TOKEN.fullmatch(token or ""):
        entry = session.scalar(
            select(WaitlistEntry)
            .where(WaitlistEntry.public_id == token[:PUBLIC_ID_LENGTH], WaitlistEntry.site_id == site.id)
            .options(
                joinedload(WaitlistEntry.service).joinedload(Service.agency),
                joinedload(WaitlistEntry.hold).joinedload(Booking.counter),
            )
        )
    if entry is None or not hmac.compare_digest(entry_token(secret_key, entry.public_id), token):
        raise NotFound(what="waitlist_entry")
    return entry


def position(session: Session, entry: WaitlistEntry) -> int | None:
    """1 for the first in line; None once the entry was offered a place. An entry over several days counts
    everyone ahead of it waiting for any of those days: at most that many are offered a place before it."""
    if entry.status != WaitlistStatus.waiting:
        return None
    return session.scalar(
        select(func.count()).where(
            _meets(entry.service_id, entry.local_date, entry.last_date),
            WaitlistEntry.status == WaitlistStatus.waiting,
            WaitlistEntry.id <= entry.id,
        )
    )


def offer_state(entry: WaitlistEntry, now: dt.datetime) -> str:
    """``waiting``; once offered, ``held`` (to answer), ``accepted``, or ``lapsed`` (declined or run out)."""
    hold = entry.hold
    if entry.status == WaitlistStatus.waiting:
        return "waiting"
    if hold is None or hold.status == BookingStatus.cancelled:
        return "lapsed"
    if hold.held_until is None:
        return "accepted"
    return "held" if now < hold.held_until else "lapsed"


def hold_end(site: Site, start: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """Until when a place starting at ``start`` is held: the site's hold time, but never more than half the time
    left before the place begins (the citizen must still get there); None when that is too short to offer."""
    until = min(now + dt.timedelta(minutes=site.waitlist_hold_minutes), now + (start - now) / 2)
    return until if until - now >= SHORTEST_HOLD else None


def offer_freed(
    session: Session, freed: Booking, counter_id: int, start: dt.datetime, *, now: dt.datetime,
    day: dt.date | None = None,
) -> WaitlistEntry | None:  # fmt: skip
    """Offer the place ``freed`` gave back (its counter at ``start``, on ``day``) to the first waiting entry.

    The caller's transaction still holds the place's capacity rows (it just gave them back), so the hold takes
    exactly that place. Each try is a savepoint: an entry whose citizen already has a booking that day is
    dropped (it waits for nothing) and the next is tried; a place that cannot be booked any more (too soon,
    closed, the walk-in share) is offered to nobody and stays on sale.
    """
    if freed.walk_in:  # a walk-in's place is the counter's, never online
        return None
    return _offer(session, freed.site, freed.service, day or freed.local_date, counter_id, start, now=now)


def offer_free_places(session: Session, now: dt.datetime) -> int:
    """Beat: places free on a day people wait for, that no freeing transaction offered (more capacity from an
    admin, a rule change): each offered to the first in line, slot by slot in time order. The same offer as
    ``offer_freed``, but on whichever counter has room. Returns how many places were offered."""
    waited = session.execute(
        select(WaitlistEntry.site_id, WaitlistEntry.service_id, WaitlistEntry.local_date, WaitlistEntry.last_date)
        .where(WaitlistEntry.status == WaitlistStatus.waiting)
        .distinct()
    ).all()
    days_waited: dict[tuple[int, int], set[dt.date]] = {}
    for site_id, service_id, first, last in waited:
        days_waited.setdefault((site_id, service_id), set()).update(
            first + dt.timedelta(days=n) for n in range((last - first).days + 1)
        )
    offered = 0
    for (site_id, service_id), days in sorted(days_waited.items()):
        site, service = session.get(Site, site_id), session.get(Service, service_id)
        if not catalogue.offered(service):
            continue
        for day in sorted(day for day in days if day >= site_today(site, now)):
            for slot in service_availability(session, site, service.code, day, day, now).days[0].slots:
                for _ in range(slot.remaining):
                    if _offer(session, site, service, day, None, slot.starts_at, now=now) is None:
                        break
                    offered += 1
    return offered


def _offer(
    session: Session, site: Site, service: Service, day: dt.date, counter_id: int | None, start: dt.datetime, *,
    now: dt.datetime,
) -> WaitlistEntry | None:  # fmt: skip
    until = hold_end(site, start, now)
    if until is None:
        return None
    waiting = session.scalars(
        select(WaitlistEntry)
        .where(_meets(service.id, day, day), WaitlistEntry.status == WaitlistStatus.waiting)
        .order_by(WaitlistEntry.id)
        .limit(OFFER_TRIES)
    ).all()
    for entry in waiting:
        try:
            with session.begin_nested():
                # The entry first, by its conditional write: of two places freed at once, the second waits on
                # the entry's row and then finds it offered (and tries the next), never a second hold for it.
                if not _claim(session, entry, now):
                    raise _Taken()
                hold = bookings.hold_place(
                    session, site, service, counter_id, start, entry, day=day, until=until, now=now
                )
                entry.hold = hold
                session.flush()
        except _Taken:
            continue
        except DuplicateBooking:  # the citizen booked that (one of its) days meanwhile: it waits for nothing
            session.execute(
                delete(WaitlistEntry).where(
                    WaitlistEntry.id == entry.id, WaitlistEntry.status == WaitlistStatus.waiting
                )
            )
            continue
        except (SlotFull, QuotaExhausted, Closed, InvalidInput):
            return None
        outbox.plan_waitlist_offer(session, hold, now)
        return entry
    return None


class _Taken(Exception):
    """The entry was offered a place by another transaction meanwhile (undoes this try's savepoint)."""


def _claim(session: Session, entry: WaitlistEntry, now: dt.datetime) -> bool:
    """``waiting`` -> ``offered``, in one conditional write: never two places for one entry."""
    claimed = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .values(status=WaitlistStatus.offered, offered_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    session.refresh(entry)
    return True


def accept(session: Session, entry: WaitlistEntry, *, now: dt.datetime, secret_key: str) -> bookings.NewBooking:
    """The held place becomes the citizen's booking; ``offer_used`` a second time, ``offer_expired`` too late."""
    hold = _held(entry, now)
    return bookings.accept_hold(session, hold, now=now, secret_key=secret_key)


def decline(session: Session, entry: WaitlistEntry, *, now: dt.datetime) -> None:
    """The citizen does not want the place: it goes to the next in line at once."""
    bookings.release_hold(session, _held(entry, now), now=now)


def leave(session: Session, entry: WaitlistEntry, *, now: dt.datetime) -> None:
    """Leave the list: the entry and its personal data are deleted; a place still held for it is released."""
    if offer_state(entry, now) == "held":
        bookings.release_hold(session, entry.hold, now=now)
    deleted = session.execute(
        delete(WaitlistEntry).where(WaitlistEntry.id == entry.id, WaitlistEntry.status == entry.status)
    )
    if deleted.rowcount != 1:  # offered meanwhile: run again, and release that place too
        raise StaleRead(f"waitlist entry {entry.id} changed since it was read")


def _held(entry: WaitlistEntry, now: dt.datetime) -> Booking:
    state = offer_state(entry, now)
    if state == "waiting":
        raise NotFound(what="offer")
    if state == "accepted":
        raise OfferUsed()
    if state == "lapsed":
        raise OfferExpired()
    return entry.hold


def withdraw(session: Session, hold: Booking) -> None:
    """The MPP took away a held place (a closure, fewer places): the entry it was offered to waits again, at
    its place in line (its id), for the next place freed on its days."""
    session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.hold_id == hold.id, WaitlistEntry.status == WaitlistStatus.offered)
        .values(status=WaitlistStatus.waiting, hold_id=None, offered_at=None)
        .execution_options(synchronize_session="fetch")
    )


def release_expired(session: Session, now: dt.datetime, *, limit: int = 100) -> int:
    """Beat: release the holds whose time ran out, each to the next in line. A hold accepted meanwhile is left
    alone (its revision went up: the release's conditional write finds nothing, in its savepoint)."""
    expired = session.scalars(
        select(Booking)
        .where(Booking.held_until.is_not(None), Booking.held_until <= now, Booking.status == BookingStatus.confirmed)
        .order_by(Booking.held_until, Booking.id)
        .limit(limit)
        .options(joinedload(Booking.site), joinedload(Booking.service))
    ).all()
    released = 0
    for hold in expired:
        try:
            with session.begin_nested():
                bookings.release_hold(session, hold, now=now)
            released += 1
        except StaleRead:
            continue
    return released


def erase_past(session: Session, site: Site, now: dt.datetime) -> int:
    """Retention: delete the site's entries whose every day has passed in its zone (they serve nothing)."""
    gone = delete(WaitlistEntry).where(
        WaitlistEntry.site_id == site.id, WaitlistEntry.last_date < site_today(site, now)
    )
    return session.execute(gone).rowcount


def erase_for_booking(session: Session, booking: Booking) -> None:
    """A booking's personal data erased: the entry it came from (the same citizen's data) goes too."""
    session.execute(delete(WaitlistEntry).where(WaitlistEntry.hold_id == booking.id))
