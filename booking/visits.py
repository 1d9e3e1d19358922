"""A visit under one code: a family booking one service together, a chain of services on one day, or both.

Each citizen's place at each step is an ordinary booking row (so capacity, check-in, the queue, reports and
retention treat it as any booking), linked to the visit's **lead** (``bookings.visit_lead_id``; the lead's
is its own id): the first citizen's booking of the first step. The lead's code and manage link stand for the
visit; the messages (confirmation, reminders, cancellation) are planned once, on the lead, and list every
step and member; cancelling the lead cancels every member in the same transaction
(``bookings.cancel_booking``), erasing its data erases theirs (``personal_data.erase_on_request``).

All or nothing: every citizen's one-booking-per-service-per-day rule is checked for each step, a family's
places at a step are taken at one counter when one has room for all (so the family is called and served
together), else spread over the counters, and the capacity rows of all the steps are taken in the one lock
order of capacity rows (``bookings.take_visit_places``). A step without room refuses the visit whole
(``visit_does_not_fit``) and the caller's transaction leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from booking import availability, bookings, outbox
from booking.bookings import NewBooking
from booking.citizens import Citizen, check_citizen, nik_hash
from booking.errors import FieldError, InvalidInput, QuotaExhausted, SlotFull, VisitDoesNotFit
from booking.models import ALL_CHANNELS, Booking, BookingStatus, Service, Site
from booking.schedule import CounterSlot

MAX_STEPS = 5  # services in one visit: a morning at the MPP, not a day's tour
MAX_PROPOSALS = 10


@dataclass(frozen=True)
class Person:
    """A citizen of the visit: the first (the lead) gets the messages; the others need only NIK and name."""

    nik: str
    name: str
    phone: str = ""
    email: str | None = None


@dataclass(frozen=True)
class Step:
    service: str
    start: str


@dataclass(frozen=True)
class VisitRequest:
    steps: tuple[Step, ...]
    citizens: tuple[Person, ...]
    channels: tuple[str, ...] = ("sms",)
    locale: str = "id"
    no_messages: bool = False
    privacy_notice: str | None = None


@dataclass(frozen=True)
class _LeadDetails:
    """The lead citizen with the visit's terms, shaped as ``bookings.collect_details`` reads a booking."""

    service: str
    nik: str
    name: str
    phone: str
    email: str | None
    channels: tuple[str, ...]
    no_messages: bool
    locale: str
    privacy_notice: str | None


@dataclass(frozen=True)
class _Checked:
    people: list[Citizen]
    services: list[Service]
    starts: list[dt.datetime]
    notice: str


def book_visit(
    session: Session,
    site: Site,
    request: VisitRequest,
    *,
    now: dt.datetime,
    secret_key: str,
    channels_ready: tuple[str, ...] = ALL_CHANNELS,
) -> NewBooking:
    """Book the whole visit in the caller's transaction, or raise and leave it to roll back: the lead's booking
    and manage token (its members: ``bookings.visit_members``)."""
    for code in sorted({step.service.strip().upper() for step in request.steps}):  # one order, like admins'
        bookings.hold_rules(session, site, code)
    checked = _check(session, site, request, channels_ready)
    zone = ZoneInfo(site.timezone)
    day, places = checked.starts[0].astimezone(zone).date(), len(checked.people)
    digests = [nik_hash(secret_key, person.nik) for person in checked.people]
    steps: list[tuple[Service, list[CounterSlot]]] = []
    for position, (service, start) in enumerate(zip(checked.services, checked.starts, strict=True)):
        candidates = bookings.slots_at(session, site, service, start, now)
        for digest in digests:
            bookings.refuse_duplicate(session, service, day, digest)
        try:
            bookings.refuse_used_up_quota(session, service, day, places=places)
            steps.append((service, bookings.with_room_first(session, candidates, places=places)))
        except (SlotFull, QuotaExhausted):
            raise _does_not_fit(site, service, start, position, places) from None
    _refuse_overlapping(site, steps)

    rows, lead_token = _rows(session, site, steps, checked, digests, request, now=now, secret_key=secret_key)
    outbox.plan_new_booking(session, rows[0], site, now)  # once, on the lead: it lists every step and member
    session.flush()
    # Last, the places (as for one booking): the capacity rows stay locked from these writes to the commit.
    taken = bookings.take_visit_places(
        session, day, steps, places=places,
        refused=lambda position: _does_not_fit(site, steps[position][0], checked.starts[position], position, places),
    )  # fmt: skip
    for booking, slot in zip(rows, (slot for step in taken for slot in step), strict=True):
        if slot.counter_id != booking.counter_id:  # another counter than the first choice (or a family spread)
            booking.counter, booking.ends_at = bookings.counter_of(booking.service, slot), slot.ends_at
    return NewBooking(booking=rows[0], manage_token=lead_token)


def _rows(session, site, steps, checked: _Checked, digests, request: VisitRequest, *, now, secret_key):
    """Every citizen's booking at every step, the lead first; each saved under the citizen rule's index."""
    rows: list[Booking] = []
    lead_token = ""
    day = checked.starts[0].astimezone(ZoneInfo(site.timezone)).date()
    for service, candidates in steps:
        for person, digest in zip(checked.people, digests, strict=True):
            lead = not rows
            booking, token = bookings.new_booking(
                site, service, candidates[0], day, person, digest, secret_key=secret_key, now=now,
                status=BookingStatus.confirmed,
                # the messages go to the lead only: the members' rows plan none
                channels=list(dict.fromkeys(request.channels)) if lead else [],
                locale=request.locale, privacy_notice_version=checked.notice, privacy_notice_accepted_at=now,
            )  # fmt: skip
            bookings.save_guarding_citizen_rule(session, booking)
            if lead:
                lead_token = token
            booking.visit_lead_id = rows[0].id if rows else booking.id
            rows.append(booking)
    session.flush()
    return rows, lead_token


def _check(session: Session, site: Site, request: VisitRequest, channels_ready: tuple[str, ...]) -> _Checked:
    """Every problem of the request at once, as ``validation_error`` by field."""
    errors: list[FieldError] = []
    if not 1 <= len(request.citizens) <= site.family_max:
        errors.append(FieldError("citizens", "family_size", {"most": site.family_max}))
    if not 1 <= len(request.steps) <= MAX_STEPS:
        errors.append(FieldError("steps", "visit_steps", {"most": MAX_STEPS}))
    if errors:
        raise InvalidInput(errors)
    first, lead = request.steps[0], request.citizens[0]
    details = _LeadDetails(
        first.service, lead.nik, lead.name, lead.phone, lead.email, request.channels, request.no_messages,
        request.locale, request.privacy_notice,
    )  # fmt: skip
    citizen, service, notice = bookings.collect_details(
        session, site, details, channels_ready, errors, True, prefix="citizens[0].", service_field="steps[0].service"
    )  # fmt: skip
    people = [citizen] + [
        _companion(person, position, errors) for position, person in enumerate(request.citizens) if position
    ]
    services = [service] + [
        bookings.check_service(session, site, step.service, f"steps[{position}].service", errors)
        for position, step in enumerate(request.steps)
        if position
    ]
    starts = [_start(step, position, site, errors) for position, step in enumerate(request.steps)]
    errors += _repeats(request, people, services, starts, site)
    if errors:
        raise InvalidInput(errors)
    return _Checked(people=people, services=services, starts=starts, notice=notice)


def _companion(person: Person, position: int, errors: list[FieldError]) -> Citizen | None:
    try:
        return check_citizen(
            person.nik, person.name, person.phone, None, f"citizens[{position}].", phone_required=False
        )
    except InvalidInput as invalid:
        errors.extend(invalid.errors)
        return None


def _start(step: Step, position: int, site: Site, errors: list[FieldError]) -> dt.datetime | None:
    try:
        return bookings.parse_start(step.start, ZoneInfo(site.timezone))
    except InvalidInput as invalid:
        errors += [FieldError(f"steps[{position}].start", error.code, error.params) for error in invalid.errors]
        return None


def _repeats(request, people, services, starts, site: Site) -> list[FieldError]:
    """One NIK once in a visit, one service once, every step on the first step's day and in time order."""
    errors = []
    niks = [person.nik if person else None for person in people]
    errors += [
        FieldError(f"citizens[{position}].nik", "nik_repeated")
        for position, nik in enumerate(niks)
        if nik and nik in niks[:position]
    ]
    codes = [service.id if service else None for service in services]
    errors += [
        FieldError(f"steps[{position}].service", "service_repeated")
        for position, code in enumerate(codes)
        if code and code in codes[:position]
    ]
    zone = ZoneInfo(site.timezone)
    known = [(position, start) for position, start in enumerate(starts) if start is not None]
    for (_, before), (position, start) in zip(known, known[1:], strict=False):
        if start.astimezone(zone).date() != known[0][1].astimezone(zone).date():
            errors.append(FieldError(f"steps[{position}].start", "visit_one_day"))
        elif start <= before:
            errors.append(FieldError(f"steps[{position}].start", "visit_step_order"))
    return errors


def _refuse_overlapping(site: Site, steps: list[tuple[Service, list[CounterSlot]]]) -> None:
    """Each step starts at or after the previous one's end plus the site's walking margin."""
    margin = dt.timedelta(minutes=site.visit_walk_minutes)
    errors = [
        FieldError(f"steps[{position + 1}].start", "visit_step_too_close", {"minutes": site.visit_walk_minutes})
        for position, ((_, before), (_, after)) in enumerate(zip(steps, steps[1:], strict=False))
        if after[0].starts_at < max(slot.ends_at for slot in before) + margin
    ]
    if errors:
        raise InvalidInput(errors)


def _does_not_fit(site: Site, service: Service, start: dt.datetime, position: int, places: int) -> VisitDoesNotFit:
    local = start.astimezone(ZoneInfo(site.timezone))
    return VisitDoesNotFit(step=position + 1, service=service.name, time=local.strftime("%H.%M"), places=places)


# --- proposals -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedStep:
    service: Service
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int


def propose(
    session: Session, site: Site, codes: list[str], day: dt.date, *, places: int, now: dt.datetime
) -> list[list[ProposedStep]]:
    """Chains of start times for ``codes`` in that order on ``day``, each step at or after the previous one's
    end plus the site's walking margin, each with room for ``places`` citizens as the rows stand now (the
    booking decides): the earliest chain from each free start of the first service, at most
    ``MAX_PROPOSALS``."""
    errors = []
    if not 1 <= len(codes) <= MAX_STEPS:
        errors.append(FieldError("services", "visit_steps", {"most": MAX_STEPS}))
    if not 1 <= places <= site.family_max:
        errors.append(FieldError("citizens", "family_size", {"most": site.family_max}))
    if errors:
        raise InvalidInput(errors)
    offers = [_free_slots(session, site, code, day, places, now) for code in codes]
    margin = dt.timedelta(minutes=site.visit_walk_minutes)
    chains = []
    for first in offers[0]:
        chain = [first]
        for offer in offers[1:]:
            step = next((slot for slot in offer if slot.starts_at >= chain[-1].ends_at + margin), None)
            if step is None:
                break
            chain.append(step)
        if len(chain) == len(offers):
            chains.append(chain)
        if len(chains) == MAX_PROPOSALS:
            break
    return chains


def _free_slots(session, site, code: str, day: dt.date, places: int, now) -> list[ProposedStep]:
    offer = availability.service_availability(session, site, code, day, day, now)
    return [
        ProposedStep(offer.service, slot.starts_at, slot.ends_at, slot.remaining)
        for day_offer in offer.days
        for slot in day_offer.slots
        if slot.remaining >= places
    ]
