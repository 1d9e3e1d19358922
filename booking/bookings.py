"""Booking, looking up, cancelling and rescheduling: the one place places are taken and given back.

Taking a place is one conditional UPDATE per capacity row (``booked = booked + 1 WHERE booked <
capacity``), after an ``INSERT ... ON CONFLICT DO NOTHING`` that creates the row on first booking. The
database decides; CHECK constraints back it. Every function takes the caller's session and never commits:
when any step fails the caller's transaction rolls back whole, so the old place of a failed reschedule
is kept and a refused booking leaves nothing behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from booking import catalogue, lifecycle, outbox, privacy_notice, waitlist
from booking.availability import (
    closed_at,
    closure_reason,
    earliest_bookable_start,
    last_bookable_day,
    open_slots,
    why_closed,
)
from booking.citizens import Citizen, check_channels, check_citizen, nik_hash
from booking.db import insert_ignoring_conflicts
from booking.errors import (
    Closed,
    DuplicateBooking,
    FieldError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QuotaExhausted,
    SlotFull,
)
from booking.messages import Text
from booking.models import (
    ALL_CHANNELS,
    Booking,
    BookingStatus,
    Closure,
    Counter,
    CounterService,
    Service,
    ServiceDayLoad,
    Site,
    SlotLoad,
)
from booking.schedule import CounterSlot

LOCALES = ("id", "en")
# No 0/O, 1/I/L, U: a code read aloud over the phone or copied from paper cannot be misheard or mistyped.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
REASON_LENGTH = Booking.cancel_reason.type.length  # 300
PHONE_CHANNELS = frozenset({"sms", "whatsapp"})


@dataclass(frozen=True)
class BookingRequest:
    service: str
    start: str
    nik: str
    name: str
    phone: str
    email: str | None = None
    channels: tuple[str, ...] = ("sms",)
    locale: str = "id"
    no_messages: bool = False  # chosen outright: then ``channels`` is empty and the citizen notes the code down
    privacy_notice: str | None = None  # the version the citizen was shown; None: the current one
    # The clerk's or partner's account booking on the citizen's behalf (``booking.assisted``); None: the citizen.
    # Then the phone is needed only for the channels that use it (a citizen without a phone may be booked).
    booked_by: int | None = None


@dataclass(frozen=True)
class NewBooking:
    booking: Booking
    manage_token: str  # for the creation answer; the database keeps only its salt and hash


def create_booking(
    session: Session,
    site: Site,
    request: BookingRequest,
    *,
    now: dt.datetime,
    secret_key: str,
    channels_ready: tuple[str, ...] = ALL_CHANNELS,
) -> NewBooking:
    """``channels_ready``: the channels the deployment can send by (``Settings.ready_channels``)."""
    hold_rules(session, site, request.service)
    citizen, service, start, notice = _check_request(session, site, request, channels_ready)
    candidates = slots_at(session, site, service, start, now)
    nik_digest = nik_hash(secret_key, citizen.nik)
    local_day = start.astimezone(ZoneInfo(site.timezone)).date()
    refuse_duplicate(session, service, local_day, nik_digest)
    refuse_used_up_quota(session, service, local_day)
    candidates = with_room_first(session, candidates)

    booking, token = new_booking(
        site,
        service,
        candidates[0],
        local_day,
        citizen,
        nik_digest,
        secret_key=secret_key,
        now=now,
        status=BookingStatus.confirmed,
        channels=list(dict.fromkeys(request.channels)),
        locale=request.locale,
        privacy_notice_version=notice,
        privacy_notice_accepted_at=now,
        booked_by_account_id=request.booked_by,
    )
    save_guarding_citizen_rule(session, booking)
    outbox.plan_new_booking(session, booking, site, now)
    session.flush()
    # Last, the places: the quota and capacity rows stay locked from these UPDATEs to the commit, and the
    # next booking of a popular slot or quota waits that long, so everything else is written before.
    _take_quota(session, service, local_day)
    slot = _take_place(session, candidates)
    if slot.counter_id != booking.counter_id:  # the first choice filled up meanwhile
        booking.counter, booking.ends_at = counter_of(service, slot), slot.ends_at
    return NewBooking(booking=booking, manage_token=token)


@dataclass(frozen=True)
class WalkInRequest:
    service: str
    nik: str
    name: str
    phone: str = ""


def book_walk_in(
    session: Session, site: Site, service: Service, request: WalkInRequest | None, *, now: dt.datetime, secret_key: str
) -> NewBooking:
    """A citizen at the counter without a booking: a place in the current or the next slot of today.

    Walk-ins may use the places the rules hold back from online booking (and any place online left);
    they skip the lead time and the daily quota, which limits online booking only. The citizen is
    present, so the booking starts checked in; one booking per citizen per service per day still holds.
    Without a ``request`` (a ticket taken at the kiosk) the walk-in is anonymous: it holds its place and
    nothing else.
    """
    citizen = (
        check_citizen(request.nik, request.name, request.phone, None, prefix="", phone_required=False)
        if request is not None
        else None
    )
    zone = ZoneInfo(site.timezone)
    today = now.astimezone(zone).date()
    slots = open_slots(service, site, catalogue.closures_between(session, site, today, today), today)
    if isinstance(slots, Closure):
        raise closed_because(closure_reason(slots, service))
    starts = sorted({slot.starts_at for slot in slots if slot.ends_at > now})[:2]  # the current and the next
    if not starts:
        raise InvalidInput([FieldError("service", "no_slot_now")])
    nik_digest = nik_hash(secret_key, citizen.nik) if citizen else None
    if nik_digest:
        refuse_duplicate(session, service, today, nik_digest)
    for position, start in enumerate(starts):
        try:
            with session.begin_nested():
                at_start = [s for s in slots if s.starts_at == start]
                slot = _take_place(session, with_room_first(session, at_start, walk_in=True), walk_in=True)
            break
        except SlotFull:
            if position == len(starts) - 1:
                raise
    booking, token = new_booking(
        site,
        service,
        slot,
        today,
        citizen,
        nik_digest,
        secret_key=secret_key,
        now=now,
        status=BookingStatus.checked_in,
        walk_in=True,
        checked_in_at=now,
        channels=[],
        locale="id",
    )
    save_guarding_citizen_rule(session, booking)
    return NewBooking(booking=booking, manage_token=token)


def booking_by_code(session: Session, code: str) -> Booking | None:
    """The booking behind a code in any spelling, with what its answers show loaded. No access check."""
    return session.scalar(
        select(Booking)
        .where(Booking.code == normalise_code(code))
        .options(
            selectinload(Booking.site),
            selectinload(Booking.service).selectinload(Service.agency),
            selectinload(Booking.counter),
        )
    )


def get_booking(session: Session, code: str, token: str | None) -> Booking:
    """The booking behind a code, only for the holder of its manage token (404 alike for both misses).

    Once the citizen's data is erased the token opens it no more: the holder is told so (``erased``).
    """
    booking = booking_for_holder(session, code, token)
    if booking.personal_data_erased_at is not None:
        raise NotFound(what="booking", erased=True)
    return booking


def booking_for_holder(session: Session, code: str, token: str | None) -> Booking:
    """The booking behind a code for the holder of its manage token, whether its data is erased or not.

    Erasure replaces the token's hash by ``erased_token_hash``: the link in old messages opens nothing,
    while its holder can still ask what is held (nothing) and erase again (nothing more to erase).
    """
    booking = booking_by_code(session, code)
    if booking is None or not token:
        raise NotFound(what="booking")
    expected = erased_token_hash(token) if booking.personal_data_erased_at is not None else hash_token(token)
    if not hmac.compare_digest(booking.manage_token_hash, expected):
        raise NotFound(what="booking")
    return booking


def cancel_booking(session: Session, booking: Booking, *, now: dt.datetime) -> Booking:
    """Cancel and give the place back; cancelling a cancelled booking changes nothing (a double tap, or a
    second request that lost the race to the first, is answered with the booking as it stands)."""
    if booking.status == BookingStatus.cancelled:
        return booking
    _require_ahead(booking, now, action="cancel")
    lifecycle.take_step(session, booking, "cancel", now=now)
    # a visit's lead (its code and link stand for the visit) takes its members along: each through its own
    # step, those still confirmed (a member already checked in or served is past cancelling)
    members = [member for member in visit_members(session, booking) if member.status == BookingStatus.confirmed]
    for member in members:
        lifecycle.take_step(session, member, "cancel", now=now)
    give_back_all(session, [booking, *members])
    outbox.plan_cancellation(session, booking, now)
    for freed in (booking, *members):
        waitlist.offer_freed(session, freed, freed.counter_id, freed.starts_at, now=now)
    return booking


def visit_members(session: Session, booking: Booking) -> list[Booking]:
    """The other bookings of the visit ``booking`` leads, by start and then as they were booked; none for a
    booking made alone or a member (only the lead's code and link stand for the visit)."""
    if booking.visit_lead_id != booking.id:
        return []
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.visit_lead_id == booking.id, Booking.id != booking.id)
            .options(selectinload(Booking.service).selectinload(Service.agency), selectinload(Booking.counter))
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def hold_place(
    session: Session, site: Site, service: Service, counter_id: int | None, start: dt.datetime, holder, *,
    day: dt.date, until: dt.datetime, now: dt.datetime,
) -> Booking:  # fmt: skip
    """Take the place of ``counter_id`` (None: any with room) at ``start`` on ``day`` for a waiting-list offer
    (``holder``: the entry, which may wait for several days), by the conditional writes of every booking, with
    the booking window and closures checked as for one.

    The place is a booking held until ``until`` (``held_until``): nobody else can take it, and no link
    opens it (its manage token is made from a throw-away key) until the citizen accepts through their
    waiting-list link (``accept_hold``). The caller's savepoint undoes it whole when any step refuses.
    """
    slots = slots_at(session, site, service, start, now)
    if counter_id is not None:  # the place just given back; None: any counter's (``with_room_first``)
        slots = [slot for slot in slots if slot.counter_id == counter_id]
    slots = with_room_first(session, slots) if slots else []
    if not slots:
        raise SlotFull()
    # the entry keeps no NIK, only its hash and last digits: those are what the booking keeps of it too
    citizen = Citizen(nik=holder.citizen_nik_last4, name=holder.citizen_name, phone=holder.citizen_phone,
                      email=holder.citizen_email)  # fmt: skip
    booking, _unusable = new_booking(
        site, service, slots[0], day, citizen, holder.citizen_nik_hash,
        secret_key=secrets.token_hex(32), now=now, status=BookingStatus.confirmed, channels=list(holder.channels),
        locale=holder.locale, privacy_notice_version=holder.privacy_notice_version,
        privacy_notice_accepted_at=holder.created_at, held_until=until,
    )  # fmt: skip
    save_guarding_citizen_rule(session, booking)
    _take_quota(session, service, day)
    slot = _take_place(session, slots)
    if slot.counter_id != booking.counter_id:  # the first choice filled up meanwhile
        booking.counter, booking.ends_at = counter_of(service, slot), slot.ends_at
    return booking


def accept_hold(session: Session, booking: Booking, *, now: dt.datetime, secret_key: str) -> NewBooking:
    """The held place becomes the citizen's booking, in one conditional write (the revision goes up, so an
    expiry sweep that read the hold before loses): a fresh manage token, the confirmation and reminders."""
    salt = secrets.token_hex(8)
    token = manage_token(secret_key, booking.code, salt)
    lifecycle.take_step(
        session,
        booking,
        "accept",
        now=now,
        held_until=None,
        manage_token_salt=salt,
        manage_token_hash=hash_token(token),
    )
    outbox.cancel_unsent(session, booking.id, now)  # the offer, if it is still on its way
    outbox.plan_new_booking(session, booking, booking.site, now)
    return NewBooking(booking=booking, manage_token=token)


def release_hold(session: Session, booking: Booking, *, now: dt.datetime) -> Booking:
    """A held place declined or expired: cancelled without a notice, and offered to the next in line (a
    place whose time has come goes nowhere)."""
    lifecycle.take_step(session, booking, "cancel", now=now)
    _give_back(session, booking)
    outbox.cancel_unsent(session, booking.id, now)
    if booking.starts_at > now:
        waitlist.offer_freed(session, booking, booking.counter_id, booking.starts_at, now=now)
    return booking


def cancel_by_site(session: Session, booking: Booking, *, reason: str, now: dt.datetime) -> Booking:
    """The MPP cancels a booking its new rules leave without a place; the notice tells the citizen why.

    A place held for a waiting-list offer was never the citizen's booking (they have no code for it): no
    notice; the offer is withdrawn and their entry is back in line, first as before (``waitlist.withdraw``).

    A booking of a visit (a family, a chain of services) was booked whole, and only its lead carries the
    channels and the link: the visit's other bookings still to come (``confirmed``) are cancelled with it,
    their places given back and offered to their waiting lists, and the notice goes out on the lead, listing
    the visit. A booking already cancelled with its visit (a change that took away two of its places) is
    left as it is. A visit under way (its lead checked in or served) loses only what is still to come, with no
    message: the citizen is at the MPP, and the lead's page and the counter show it.
    """
    if booking.status == BookingStatus.cancelled:
        return booking
    if len(reason) > REASON_LENGTH:  # an agency's long name and a long reason: the column's length
        reason = reason[: REASON_LENGTH - 1].rstrip() + "…"
    if booking.held_until is not None:
        lifecycle.take_step(session, booking, "cancel_by_site", now=now, cancel_reason=reason)
        _give_back(session, booking)
        outbox.cancel_unsent(session, booking.id, now)
        waitlist.withdraw(session, booking)
        return booking
    lead = booking if booking.visit_lead_id in (None, booking.id) else session.get(Booking, booking.visit_lead_id)
    companions = [
        other
        for other in (lead, *visit_members(session, lead))
        if other is not booking and other.status == BookingStatus.confirmed and other.ends_at > now
    ]
    for cancelled in (booking, *companions):
        lifecycle.take_step(session, cancelled, "cancel_by_site", now=now, cancel_reason=reason)
    give_back_all(session, [booking, *companions])
    if lead is booking or lead in companions:  # told once, when the lead's own booking goes
        outbox.plan_cancellation(session, lead, now)
    for freed in companions:  # their places still stand: the first in line for each gets it
        waitlist.offer_freed(session, freed, freed.counter_id, freed.starts_at, now=now)
    return booking


def reschedule_booking(session: Session, booking: Booking, start_text: str, *, now: dt.datetime) -> Booking:
    """Move to another start of the same service, all in the caller's transaction: a failure anywhere
    (the new place full, the quota used up) keeps the old place.

    The move is claimed first, by the booking's one conditional write (its revision goes up): of two
    changes of one booking racing, the loser is run again from a fresh read before it takes any place.
    """
    lifecycle.require_step(booking, "reschedule")
    _require_ahead(booking, now, action="reschedule")
    if booking.held_until is not None or booking.visit_lead_id is not None:
        # an offer is accepted or declined, not moved; a visit's steps and members move together or not at
        # all (cancel it and book it again)
        raise InvalidTransition(status=booking.status, action="reschedule")
    hold_rules(session, booking.site, booking.service.code)
    site, service = booking.site, catalogue.get_service(session, booking.site, booking.service.code)
    start = parse_start(start_text, ZoneInfo(site.timezone))
    if start == booking.starts_at:
        return booking
    candidates = slots_at(session, site, service, start, now)
    new_day = start.astimezone(ZoneInfo(site.timezone)).date()
    freed = (booking.counter_id, booking.starts_at)
    lifecycle.take_step(session, booking, "reschedule", now=now)
    # Capacity rows are locked in one order everywhere: quota rows by day, then slot rows by start (a booking
    # and a cancel lock one of each, in that order). A move takes and gives back in that order too, so two
    # moves crossing each other's slots wait for one another instead of deadlocking. Taking after giving back
    # is safe: a refusal rolls the whole move back, and the given-back row stays locked until the commit.
    if new_day != booking.local_date:
        refuse_duplicate(session, service, new_day, booking.citizen_nik_hash)
        if new_day < booking.local_date:
            _take_quota(session, service, new_day)
            _give_back_quota(session, booking)
        else:
            _give_back_quota(session, booking)
            _take_quota(session, service, new_day)
    candidates = with_room_first(session, candidates)  # refusals in the model's order: duplicate, quota, full
    if start < booking.starts_at:
        slot = _take_place(session, candidates)
        _give_back_place(session, booking)
    else:
        _give_back_place(session, booking)
        slot = _take_place(session, candidates)

    booking.counter_id, booking.starts_at, booking.ends_at = slot.counter_id, slot.starts_at, slot.ends_at
    old_day, booking.local_date = booking.local_date, new_day
    save_guarding_citizen_rule(session, booking)
    outbox.plan_reschedule(session, booking, site, now)
    if new_day != old_day:
        # Only a move to another day frees a place its day's waiting list can use: a move within a day found
        # room that day, so its list waits for nothing (and the quota row, not ours then, stays unlocked).
        waitlist.offer_freed(session, booking, *freed, now=now, day=old_day)
    session.refresh(booking, ["counter"])
    return booking


def hold_rules(session: Session, site: Site, service_code: str) -> None:
    """Keep the rules a booking is about to read from changing until it commits (PostgreSQL).

    A booking reads opening rules and the daily quota in Python and may create the capacity row from
    them; an admin change settles the existing rows to new rules. Both meet on the service's and its
    counters' rows: a booking holds them ``FOR KEY SHARE`` (bookings never wait for each other), an
    admin change takes them ``FOR UPDATE`` before settling. So a booking either commits before the
    change settles (and is settled with the rest) or reads the new rules. SQLite runs one writer at a
    time and needs nothing.
    """
    if catalogue.unusable_key(service_code):
        return
    service_id = session.scalar(
        select(Service.id)
        .where(Service.site_id == site.id, Service.code == service_code.strip().upper())
        # read=True: key_share alone renders FOR NO KEY UPDATE, which made every booking of a service wait
        # for the one before it to commit
        .with_for_update(read=True, key_share=True)
    )
    if service_id is not None:
        session.execute(
            select(Counter.id)
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service_id)
            .order_by(Counter.id)
            .with_for_update(read=True, key_share=True, of=Counter)
        )


EARLIEST_START, LATEST_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(3000, 1, 1, tzinfo=dt.UTC)


def parse_start(text: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO 8601 time; one without an offset is read in the site's zone. Returned in UTC.

    Years far from today are refused here (``date_out_of_range``), so that no caller shifting the time
    into a site's zone meets year 0 or 10000 (the booking window refuses them anyway, with its own words).
    """
    try:
        start = dt.datetime.fromisoformat(text.strip())
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        start = start.astimezone(dt.UTC)
    except (ValueError, AttributeError, OverflowError):  # OverflowError: year 1 or 9999 shifted out of range
        raise InvalidInput([FieldError("start", "start_format")]) from None
    if not EARLIEST_START <= start < LATEST_START:
        raise InvalidInput([FieldError("start", "date_out_of_range")])
    return start


def normalise_code(code: str) -> str:
    """``fbj5-hx5w``, ``FBJ5 HX5W`` and ``FBJ5HX5W`` are one code; anything but letters and digits is dropped."""
    return "".join(char for char in code.upper() if char.isascii() and char.isalnum())


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def manage_token(secret_key: str, code: str, salt: str) -> str:
    """The secret of a booking's manage link: derived, so the workers can put the link in every message.

    The database keeps only the salt and a hash of the token; without the server secret neither gives
    the link away.
    """
    digest = hmac.new(secret_key.encode(), f"manage:{code}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def manage_link(public_url: str, code: str, token: str | None = None) -> str:
    """The citizen's page for a booking; with the token it opens it (API answer, every message)."""
    link = f"{public_url}/b/{display_code(normalise_code(code))}"
    return f"{link}?token={token}" if token else link


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def erased_token_hash(token: str) -> str:
    """What an erased booking keeps of its manage token: not the token's hash, so the token opens nothing."""
    return hashlib.sha256(f"erased:{token}".encode()).hexdigest()


def new_booking(
    site: Site, service: Service, slot: CounterSlot, day: dt.date, citizen: Citizen | None, nik_digest: str | None,
    *, secret_key: str, now: dt.datetime, **details,
) -> tuple[Booking, str]:  # fmt: skip
    """A booking row for a place just taken, with a fresh code and the manage token derived for it."""
    code, salt = _new_code(), secrets.token_hex(8)
    token = manage_token(secret_key, code, salt)
    booking = Booking(
        code=code,
        # the loaded objects, not only their ids: the answer reads them, and lazy loads were 3 more round trips
        site=site,
        service=service,
        counter=counter_of(service, slot),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_date=day,
        citizen_nik_hash=nik_digest,
        citizen_nik_last4=citizen.nik[-4:] if citizen else None,
        citizen_name=citizen.name if citizen else None,
        citizen_phone=citizen.phone if citizen else None,
        citizen_email=citizen.email if citizen else None,
        manage_token_salt=salt,
        manage_token_hash=hash_token(token),
        created_at=now,
        updated_at=now,
        **details,
    )
    return booking, token


def counter_of(service: Service, slot: CounterSlot) -> Counter:
    return next(counter for counter in service.counters if counter.id == slot.counter_id)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _check_request(
    session: Session, site: Site, request: BookingRequest, channels_ready: tuple[str, ...]
) -> tuple[Citizen, Service, dt.datetime, str]:
    errors: list[FieldError] = []
    # a clerk or partner may book for a citizen without a phone, unless a message must go to one
    phone_needed = request.booked_by is None or bool(PHONE_CHANNELS & set(request.channels))
    citizen, service, notice = collect_details(session, site, request, channels_ready, errors, phone_needed)
    start = None
    try:
        start = parse_start(request.start, ZoneInfo(site.timezone))
    except InvalidInput as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise InvalidInput(errors)
    return citizen, service, start, notice


def check_details(
    session: Session, site: Site, request, channels_ready: tuple[str, ...]
) -> tuple[Citizen, Service, str]:
    """Who asks, how to reach them, which service, and the privacy notice, by a booking's rules (a waiting
    list's entry is checked by them too, always with a phone: the offer goes to it): every problem at once as
    ``validation_error``."""
    errors: list[FieldError] = []
    found = collect_details(session, site, request, channels_ready, errors, phone_required=True)
    if errors:
        raise InvalidInput(errors)
    return found


def collect_details(
    session, site, request, channels_ready, errors: list[FieldError], phone_required: bool, *,
    prefix: str = "citizen.", service_field: str = "service",
):  # fmt: skip
    """``check_details`` collecting into ``errors`` (a visit's lead is checked by it, among the visit's own
    checks); ``prefix`` and ``service_field`` name the fields as the caller's body does."""
    try:
        citizen = check_citizen(
            request.nik, request.name, request.phone, request.email, prefix, phone_required=phone_required
        )
    except InvalidInput as invalid:
        errors.extend(invalid.errors)
        citizen = None
    errors.extend(check_channels(request.channels, no_messages=request.no_messages, email=request.email))
    offered = catalogue.offered_channels(site, channels_ready)
    errors += [
        FieldError(f"channels[{position}]", "channel_not_offered", {"offered": ", ".join(offered) or "-"})
        for position, channel in enumerate(request.channels)
        if channel in ALL_CHANNELS and channel not in offered
    ]
    if request.locale not in LOCALES:
        errors.append(FieldError("locale", "locale_unknown"))
    notice = None
    try:
        notice = privacy_notice.accepted_version(request.privacy_notice)
    except ValueError as unknown:
        errors.append(FieldError("privacy_notice", str(unknown), {"version": privacy_notice.PRIVACY_NOTICE_VERSION}))
    return citizen, check_service(session, site, request.service, service_field, errors), notice


def check_service(session: Session, site: Site, code: str, field: str, errors: list[FieldError]) -> Service | None:
    """The offered service behind ``code``, or None with its field error in ``errors``."""
    service = catalogue.get_service(session, site, code)
    if service is None:
        errors.append(FieldError(field, "service_unknown"))
    elif not catalogue.offered(service):
        errors.append(FieldError(field, "service_retired"))
    return service


def slots_at(session: Session, site: Site, service: Service, start: dt.datetime, now) -> list[CounterSlot]:
    """The counter slots that begin at ``start``, after checking the booking window and closures."""
    if start < earliest_bookable_start(site, now):
        raise InvalidInput([FieldError("start", "start_too_soon", {"minutes": site.min_lead_minutes})])
    day = start.astimezone(ZoneInfo(site.timezone)).date()
    if day > last_bookable_day(site, now):
        raise InvalidInput([FieldError("start", "start_too_far", {"days": site.max_days_ahead})])
    closures = catalogue.closures_between(session, site, day, day)
    slots = open_slots(service, site, closures, day)
    if isinstance(slots, Closure) or not slots:
        raise closed_because(why_closed(service, closures, day))
    matching = [slot for slot in slots if slot.starts_at == start]
    if not matching and (reason := closed_at(service, closures, day, start, ZoneInfo(site.timezone))):
        raise closed_because(reason)  # a closure for part of the day: say which, as for a closed day
    if not matching:
        raise InvalidInput([FieldError("start", "start_not_slot")])
    return matching


def closed_because(reason: Text) -> Closed:
    return Closed(reason=reason.id, reason_en=reason.en)


def refuse_duplicate(session: Session, service: Service, day: dt.date, nik_digest: str) -> None:
    """A friendly early answer; the partial unique index is what really enforces the rule."""
    existing = session.scalar(
        select(Booking.id).where(
            Booking.service_id == service.id,
            Booking.local_date == day,
            Booking.citizen_nik_hash == nik_digest,
            Booking.status != BookingStatus.cancelled,
        )
    )
    if existing is not None:
        raise DuplicateBooking()


def _take_quota(session: Session, service: Service, day: dt.date, *, places: int = 1) -> None:
    """Take ``places`` of the service's daily quota in one conditional write: all of them, or none."""
    if service.daily_quota is None:
        return
    taken = _take_by_update(
        session,
        insert_ignoring_conflicts(
            session, ServiceDayLoad, service_id=service.id, day=day, quota=service.daily_quota, booked=0
        ),
        update(ServiceDayLoad)
        .where(
            ServiceDayLoad.service_id == service.id,
            ServiceDayLoad.day == day,
            ServiceDayLoad.booked <= ServiceDayLoad.quota - places,
        )
        .values(booked=ServiceDayLoad.booked + places)
        .execution_options(synchronize_session=False),
    )
    if not taken:
        raise QuotaExhausted()


def refuse_used_up_quota(session: Session, service: Service, day: dt.date, *, places: int = 1) -> None:
    """A cheap early answer before anything is written; ``_take_quota``'s UPDATE is what decides."""
    if service.daily_quota is None:
        return
    used_up = session.scalar(
        select(ServiceDayLoad.id).where(
            ServiceDayLoad.service_id == service.id,
            ServiceDayLoad.day == day,
            ServiceDayLoad.booked > ServiceDayLoad.quota - places,
        )
    )
    if used_up is not None or (service.daily_quota < places):
        raise QuotaExhausted()


def with_room_first(
    session: Session, candidates: list[CounterSlot], *, walk_in: bool = False, places: int = 1
) -> list[CounterSlot]:
    """The counters' slots with room first, least loaded first; SlotFull at once if they have no room (for
    ``places`` citizens together: fewer free places, all counters counted) as the rows stand now.

    Reading the rows takes no lock: another booking may take the last place before ours, which
    ``_take_place``'s conditional UPDATE then finds. Refusing here spares a full slot's flash crowd the
    writes a booking makes before it takes its place.
    """
    free_column = SlotLoad.capacity - SlotLoad.booked
    if not walk_in:
        online_free = SlotLoad.online_capacity - SlotLoad.online_booked
        free_column = case((online_free < free_column, online_free), else_=free_column)
    rows = session.execute(
        select(SlotLoad.counter_id, SlotLoad.booked, free_column).where(
            SlotLoad.starts_at == candidates[0].starts_at,
            SlotLoad.counter_id.in_([slot.counter_id for slot in candidates]),
        )
    )
    loads, free = {}, {}
    for counter_id, booked, places_free in rows:
        loads[counter_id], free[counter_id] = booked, places_free
    fresh = (lambda slot: slot.capacity) if walk_in else (lambda slot: slot.online_capacity)
    free = {slot.counter_id: free.get(slot.counter_id, fresh(slot)) for slot in candidates}
    if not any(places_free > 0 for places_free in free.values()) or sum(free.values()) < places:
        raise SlotFull()
    return sorted(
        candidates, key=lambda s: (free[s.counter_id] <= 0, loads.get(s.counter_id, 0) - s.capacity, s.counter_id)
    )


def _take_place(session: Session, candidates: list[CounterSlot], *, walk_in: bool = False) -> CounterSlot:
    """Take one place at the first of ``candidates`` (in their order) that still has room.

    Online bookings stop at the slot's online capacity, so the walk-in share stays free for the counter;
    a walk-in may take any place left. Both count in ``booked``, which the CHECK keeps within capacity.
    """
    for slot in candidates:
        if _took(session, slot, walk_in=walk_in):
            return slot
    raise SlotFull()


def _take_places(session: Session, candidates: list[CounterSlot], places: int) -> list[CounterSlot]:
    """Take ``places`` online places at one start for citizens who come together (a family): at one counter
    with room for all of them if there is one, else spread over the counters; SlotFull when they do not all
    fit, and the caller's transaction undoes the places taken.

    The counters are tried in one order, by id (the slot rows' lock order after their start): of two families
    racing for the last places, the second waits for the first at the first counter instead of each holding
    a counter the other needs.
    """
    if places == 1:  # one place: one slot row, least loaded first, as any booking takes it
        return [_take_place(session, candidates)]
    candidates = sorted(candidates, key=lambda slot: slot.counter_id)
    for slot in candidates:  # a counter with room for all: no write is made where there is none
        if slot.online_capacity >= places and _took(session, slot, places=places):
            return [slot] * places
    taken: list[CounterSlot] = []
    for slot in candidates:
        while len(taken) < places and _took(session, slot):
            taken.append(slot)
    if len(taken) < places:
        raise SlotFull()
    return taken


def _took(session: Session, slot: CounterSlot, *, walk_in: bool = False, places: int = 1) -> bool:
    """One conditional write: ``places`` places of ``slot``, all of them or none (the row made on first use)."""
    room = SlotLoad.booked <= SlotLoad.capacity - places
    taking = {"booked": SlotLoad.booked + places}
    if not walk_in:
        room = room & (SlotLoad.online_booked <= SlotLoad.online_capacity - places)
        taking["online_booked"] = SlotLoad.online_booked + places
    return _take_by_update(
        session,
        insert_ignoring_conflicts(
            session,
            SlotLoad,
            counter_id=slot.counter_id,
            starts_at=slot.starts_at,
            capacity=slot.capacity,
            online_capacity=slot.online_capacity,
            booked=0,
            online_booked=0,
        ),
        update(SlotLoad)
        .where(SlotLoad.counter_id == slot.counter_id, SlotLoad.starts_at == slot.starts_at, room)
        .values(taking)
        .execution_options(synchronize_session=False),
    )


def _take_by_update(session: Session, create_row, take) -> bool:
    """Run the conditional UPDATE ``take``; where it matched nothing (no row yet, or no room), make the row with
    ``create_row`` (``INSERT ... ON CONFLICT DO NOTHING``: it may exist, or appear meanwhile) and run it again.

    Most places are taken from a row that exists: one round trip instead of two. The first place of a slot
    costs three, and so does a refusal (``with_room_first`` refuses most before anything is written)."""
    if session.execute(take).rowcount == 1:
        return True
    session.execute(create_row)
    return session.execute(take).rowcount == 1


def take_visit_places(
    session: Session, day: dt.date, steps: list[tuple[Service, list[CounterSlot]]], *, places: int,
    refused: Callable[[int], Exception],
) -> list[list[CounterSlot]]:  # fmt: skip
    """Take a visit's places, ``places`` citizens at each step, each by the conditional writes of every
    booking; a step without room for all raises ``refused(position)`` and the caller's transaction undoes the
    steps before it. The one lock order of capacity rows holds across the steps: every quota row (one day:
    by service), then every slot row by start (and counter). Returns each step's slot per citizen, in order."""
    position = 0
    try:
        for position, (service, _) in sorted(enumerate(steps), key=lambda step: step[1][0].id):  # noqa: B007 (refused)
            _take_quota(session, service, day, places=places)
        taken: dict[int, list[CounterSlot]] = {}
        for position, (_, candidates) in sorted(enumerate(steps), key=lambda step: step[1][1][0].starts_at):
            taken[position] = _take_places(session, candidates, places)
    except (SlotFull, QuotaExhausted):
        raise refused(position) from None
    return [taken[position] for position in range(len(steps))]


def _give_back(session: Session, booking: Booking) -> None:
    """Release the booking's place, quota row first: the one lock order of capacity rows (see
    ``reschedule_booking``). A walk-in took no quota (the daily quota limits online booking), so it gives none
    back."""
    give_back_all(session, [booking])


def give_back_all(session: Session, bookings: list[Booking]) -> None:
    """Release each booking's place once (a visit's: all of them), in the one lock order of capacity rows:
    every quota row by day (then service), then every slot row by start (then counter)."""
    for booking in sorted(bookings, key=lambda b: (b.local_date, b.service_id, b.id)):
        _give_back_quota(session, booking)
    for booking in sorted(bookings, key=lambda b: (b.starts_at, b.counter_id, b.id)):
        _give_back_place(session, booking)


def _give_back_quota(session: Session, booking: Booking) -> None:
    if booking.walk_in:
        return
    session.execute(
        update(ServiceDayLoad)
        .where(
            ServiceDayLoad.service_id == booking.service_id,
            ServiceDayLoad.day == booking.local_date,
            ServiceDayLoad.booked > 0,
        )
        .values(booked=ServiceDayLoad.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _give_back_place(session: Session, booking: Booking) -> None:
    giving = {"booked": SlotLoad.booked - 1}
    if not booking.walk_in:
        giving["online_booked"] = SlotLoad.online_booked - 1
    released = session.execute(
        update(SlotLoad)
        .where(SlotLoad.counter_id == booking.counter_id, SlotLoad.starts_at == booking.starts_at, SlotLoad.booked > 0)
        .values(giving)
        .execution_options(synchronize_session=False)
    )
    if released.rowcount != 1:
        raise RuntimeError(f"booking {booking.id} held no place in slot_loads")


def _require_ahead(booking: Booking, now: dt.datetime, *, action: str) -> None:
    """A citizen changes a booking only before it begins."""
    if booking.starts_at <= now:
        raise InvalidTransition(status=booking.status, action=action)


def save_guarding_citizen_rule(session: Session, booking: Booking) -> None:
    """Flush: a race past ``refuse_duplicate`` ends at the unique index as duplicate_booking.

    No savepoint of its own (it cost two round trips of every booking): a duplicate ends the caller's
    transaction, which rolls back whole; the one caller that goes on after it, the waiting list's offer,
    tries each entry in a savepoint of its own."""
    session.add(booking)
    try:
        session.flush()
    except IntegrityError as error:
        if "citizen" in str(error.orig) or "nik_hash" in str(error.orig):
            raise DuplicateBooking() from None
        raise
