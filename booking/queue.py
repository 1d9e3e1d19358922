"""The day's queue on the floor: tickets for booked and walk-in citizens, calling them to counters, the board.

A citizen takes a ticket on arrival: with their booking code (``arrive_with_code``: the ticket checks the
booking in, and one code gives one ticket however often it is scanned) or as a walk-in
(``arrive_walk_in``: a walk-in booking holds their place in the current or next slot, within the walk-in
share). A ticket reads ``{PREFIX}-{NNN}``: the agency's letters and a number per agency per day, taken
from ``ticket_numbers`` with one conditional UPDATE.

A clerk calls the next ticket at a counter (``call_next``) in the order of ``booking.queue_order``; the
ticket is taken with one conditional UPDATE on its status, so two counters calling at once never get the
same citizen (the loser takes the next one), and a partial unique index keeps one ticket called or
served per counter. Every later step (recall, start, done, missed, comeback, transfer) is one conditional
UPDATE on the ticket as read; a booked citizen's booking follows through ``booking.lifecycle``
(arrival checks it in, done serves it, missed makes it a no-show, a comeback checks it in again).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import string
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from booking import audit, catalogue, lifecycle, outbox
from booking.availability import open_slots, service_availability, site_today, why_closed
from booking.bookings import WalkInRequest, book_walk_in, booking_by_code, closed_because, hold_rules
from booking.db import StaleRead, insert_ignoring_conflicts
from booking.errors import (
    CounterBusy,
    FieldError,
    InvalidInput,
    InvalidTransition,
    MissedTooSoon,
    NotFound,
    QueueEmpty,
    SlotFull,
    TicketStepInvalid,
    TooEarly,
    WalkInsFull,
    WrongDay,
)
from booking.messages import DAY_REASONS
from booking.models import (
    Agency,
    Booking,
    BookingStatus,
    Closure,
    Counter,
    CounterService,
    Service,
    Site,
    Ticket,
    TicketNumber,
    TicketStatus,
)
from booking.queue_order import Waiting, next_for_counter, queue_order, tier
from booking.staff import Principal, require_agency

PRIORITY_GROUPS = ("elderly", "disabled", "pregnant", "with_children")
LABEL = re.compile(r"^\s*([A-Za-z]{1,4})\s*-?\s*(\d{1,4})\s*$")
PREFIX = re.compile(r"^[A-Z]{1,4}$")
RECENT_CALLS = 6
WAITING, CALLED, SERVING = TicketStatus.waiting, TicketStatus.called, TicketStatus.serving


def ticket_label(ticket: Ticket) -> str:
    return f"{ticket.prefix}-{ticket.number:03d}"


def free_ticket_prefix(taken: set[str]) -> str:
    """The first of A, B, ... Z, AA, AB, ... that no agency of the site uses yet."""
    for length in (1, 2, 3):
        for letters in itertools.product(string.ascii_uppercase, repeat=length):
            if "".join(letters) not in taken:
                return "".join(letters)
    raise AssertionError("more agencies than three letters can name")


def ticket_prefixes(session: Session, site_id: int) -> dict[str, int]:
    """The prefixes an site's agencies use, with the agency of each."""
    return dict(session.execute(select(Agency.ticket_prefix, Agency.id).where(Agency.site_id == site_id)).all())


# --- arrival -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    ticket: Ticket
    new: bool  # False: the code's ticket was given before (a second scan), or came back after being missed


def arrive_with_code(
    session: Session, site: Site, code: str, *, priority: str | None = None, now: dt.datetime
) -> Arrival:
    """The ticket of a booked citizen who has arrived: made once, then the same ticket for every scan.

    Taking it checks the booking in. A citizen later than the site's ``arrival_late_minutes`` keeps their
    booking but queues as a walk-in; one earlier than ``arrival_early_minutes`` is told when to come back.
    A missed ticket scanned again comes back into the queue, once.
    """
    _check_priority(priority)
    booking = booking_by_code(session, code)
    if booking is None or booking.site_id != site.id:
        raise NotFound(what="booking")
    existing = _latest_leg(session, booking.id)
    if existing is not None:
        if existing.status == TicketStatus.missed and existing.comebacks == 0:
            return Arrival(_come_back(session, existing, now), new=False)
        return Arrival(existing, new=False)
    today = site_today(site, now)
    if booking.status == BookingStatus.cancelled:
        raise InvalidTransition(status=booking.status, action="arrive")
    if booking.local_date != today:
        raise WrongDay(date=booking.local_date)
    _require_open(session, site, booking.service, today)
    opens = booking.starts_at - dt.timedelta(minutes=site.arrival_early_minutes)
    if now < opens:
        raise TooEarly(time=_local_time(site, opens))
    if booking.status in (BookingStatus.confirmed, BookingStatus.no_show):
        lifecycle.take_step(session, booking, "check_in", now=now)
    elif booking.status != BookingStatus.checked_in:
        raise InvalidTransition(status=booking.status, action="arrive")
    on_time = now <= booking.starts_at + dt.timedelta(minutes=site.arrival_late_minutes)
    due_at = booking.starts_at if on_time else None
    ticket = _issue(session, site, booking.service, booking=booking, due_at=due_at, priority=priority, now=now)
    return Arrival(ticket, new=True)


def arrive_walk_in(
    session: Session,
    site: Site,
    service_code: str,
    *,
    priority: str | None = None,
    citizen: WalkInRequest | None = None,
    now: dt.datetime,
    secret_key: str,
) -> Ticket:
    """A walk-in's ticket, with a walk-in booking that takes their place (anonymous without ``citizen``).

    When today's walk-in places are gone the answer names the next time bookable online instead.
    """
    _check_priority(priority)
    hold_rules(session, site, service_code)
    service = catalogue.bookable_service(session, site, service_code)
    try:
        booking = book_walk_in(session, site, service, citizen, now=now, secret_key=secret_key).booking
    except SlotFull:
        raise WalkInsFull(next_online=next_online_start(session, site, service, now)) from None
    except InvalidInput as refused:
        if [error.code for error in refused.errors] == ["no_slot_now"]:
            raise closed_because(DAY_REASONS["closed_for_today"]) from None
        raise
    return _issue(session, site, service, booking=booking, due_at=None, priority=priority, now=now)


def next_online_start(session: Session, site: Site, service: Service, now: dt.datetime) -> str | None:
    """The first start a citizen could book online now, in the site's zone (ISO 8601), if any in the window."""
    today = site_today(site, now)
    offer = service_availability(
        session, site, service.code, today, today + dt.timedelta(days=site.max_days_ahead), now
    )
    for day in offer.days:
        for slot in day.slots:
            if slot.remaining > 0:
                return slot.starts_at.astimezone(ZoneInfo(site.timezone)).isoformat()
    return None


def _issue(
    session: Session,
    site: Site,
    service: Service,
    *,
    booking: Booking,
    due_at: dt.datetime | None,
    priority: str | None,
    now: dt.datetime,
) -> Ticket:
    today = site_today(site, now)
    agency = session.get(Agency, service.agency_id)
    ticket = Ticket(
        site_id=site.id,
        agency_id=agency.id,
        service_id=service.id,
        booking_id=booking.id,
        local_date=today,
        prefix=agency.ticket_prefix,
        number=_next_number(session, agency.id, today),
        leg=0,
        kind="booked" if due_at is not None else "walk_in",
        priority=priority,
        due_at=due_at,
        queued_at=now,
        status=WAITING,
        recalls=0,
        comebacks=0,
        arrived_at=now,
        transferred=False,
    )
    try:
        with session.begin_nested():
            session.add(ticket)
    except IntegrityError:
        # another scan of the same code made the ticket first: run again, and answer with that one
        raise StaleRead("the booking got its ticket meanwhile") from None
    return ticket


def _next_number(session: Session, agency_id: int, day: dt.date) -> int:
    session.execute(
        insert_ignoring_conflicts(session, TicketNumber, agency_id=agency_id, local_date=day, last_number=0)
    )
    return session.scalar(
        update(TicketNumber)
        .where(TicketNumber.agency_id == agency_id, TicketNumber.local_date == day)
        .values(last_number=TicketNumber.last_number + 1)
        .returning(TicketNumber.last_number)
    )


def _require_open(session: Session, site: Site, service: Service, day: dt.date) -> None:
    closures = catalogue.closures_between(session, site, day, day)
    slots = open_slots(service, site, closures, day)
    if isinstance(slots, Closure) or not slots:
        raise closed_because(why_closed(service, closures, day))


def _check_priority(priority: str | None) -> None:
    if priority is not None and priority not in PRIORITY_GROUPS:
        raise InvalidInput([FieldError("priority", "priority_unknown")])


# --- where a ticket stands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    ahead: int | None  # people before it in its agency's queue; None once it is no longer waiting
    estimated_wait_minutes: int | None


def standing(session: Session, ticket: Ticket, now: dt.datetime) -> Standing:
    """How many are ahead in the agency's queue, and a rough wait: their services' durations shared out
    over the counters that serve this ticket's service (at least the time until a booked citizen's slot)."""
    if ticket.status != WAITING:
        return Standing(None, None)
    waiting = _waiting_tickets(session, ticket.agency_id, ticket.local_date)
    ordered = queue_order([_as_waiting(row) for row in waiting], now)
    ahead_ids = [entry.id for entry in ordered[: [entry.id for entry in ordered].index(ticket.id)]]
    durations = {row.id: row.service.duration_minutes for row in waiting}
    counters = session.scalar(
        select(func.count()).select_from(CounterService).where(CounterService.service_id == ticket.service_id)
    )
    minutes = math.ceil(sum(durations[ticket_id] for ticket_id in ahead_ids) / max(counters or 0, 1))
    if ticket.due_at is not None and ticket.due_at > now:
        minutes = max(minutes, math.ceil((ticket.due_at - now).total_seconds() / 60))
    return Standing(len(ahead_ids), minutes)


def ticket_by_label(session: Session, site: Site, label: str, now: dt.datetime) -> Ticket:
    """Today's ticket of that label at the site (its latest leg); 404 for anything else."""
    match = LABEL.match(label or "")
    if match is None:
        raise NotFound(what="ticket")
    ticket = session.scalar(
        select(Ticket)
        .where(
            Ticket.site_id == site.id,
            Ticket.local_date == site_today(site, now),
            Ticket.prefix == match.group(1).upper(),
            Ticket.number == int(match.group(2)),
        )
        .options(joinedload(Ticket.agency), joinedload(Ticket.service), joinedload(Ticket.counter))
        .order_by(Ticket.leg.desc())
        .limit(1)
    )
    if ticket is None:
        raise NotFound(what="ticket")
    return ticket


def waiting_list(session: Session, agency: Agency, now: dt.datetime) -> list[Ticket]:
    """An agency's waiting tickets of today in the order they will be called (whatever the counter)."""
    site = session.get(Site, agency.site_id)
    rows = {row.id: row for row in _waiting_tickets(session, agency.id, site_today(site, now))}
    return [rows[entry.id] for entry in queue_order([_as_waiting(row) for row in rows.values()], now)]


def counters_now(session: Session, agency: Agency, now: dt.datetime) -> list[tuple[str, Ticket | None]]:
    """An agency's counters, each with the ticket it is calling or serving (None: free)."""
    counters = session.execute(
        select(Counter.label, Ticket)
        .outerjoin(Ticket, (Ticket.counter_id == Counter.id) & Ticket.status.in_([CALLED, SERVING]))
        .where(Counter.agency_id == agency.id)
        .options(joinedload(Ticket.service))
        .order_by(Counter.label)
    ).all()
    return [(label, ticket) for label, ticket in counters]


def missed_list(session: Session, agency: Agency, now: dt.datetime) -> list[Ticket]:
    """An agency's tickets of today missed at a counter that may still come back (once), latest first."""
    site = session.get(Site, agency.site_id)
    return list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.agency_id == agency.id,
                Ticket.local_date == site_today(site, now),
                Ticket.status == TicketStatus.missed,
                Ticket.comebacks == 0,
            )
            .options(joinedload(Ticket.service))
            .order_by(Ticket.missed_at.desc(), Ticket.id.desc())
        )
    )


def _waiting_tickets(session: Session, agency_id: int, day: dt.date) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.agency_id == agency_id, Ticket.local_date == day, Ticket.status == WAITING)
            .options(joinedload(Ticket.service))
        )
    )


def _waiting_entries(session: Session, agency_id: int, day: dt.date) -> list[Waiting]:
    """What the order needs of an agency's waiting tickets, read as plain rows (a call reads them all)."""
    rows = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.priority.is_not(None), Ticket.due_at, Ticket.queued_at).where(
            Ticket.agency_id == agency_id, Ticket.local_date == day, Ticket.status == WAITING
        )
    )
    return [Waiting(*row) for row in rows]


def _as_waiting(ticket: Ticket) -> Waiting:
    return Waiting(ticket.id, ticket.service_id, ticket.priority is not None, ticket.due_at, ticket.queued_at)


def _latest_leg(session: Session, booking_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.booking_id == booking_id)
        .options(joinedload(Ticket.agency), joinedload(Ticket.service), joinedload(Ticket.counter))
        .order_by(Ticket.leg.desc())
        .limit(1)
    )


# --- at the counter ------------------------------------------------------------------------------------


def call_next(session: Session, principal: Principal, counter_label: str, *, now: dt.datetime) -> Ticket:
    """Call the first waiting ticket this counter may serve.

    Counters calling at the same moment compute the same order; each takes the first ticket no other call
    holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a held ticket is passed over at once, not waited for),
    then writes it with one conditional UPDATE. SQLite runs one writer at a time and needs no lock.

    Presses at one counter take turns (a lock on the counter's row): a double tap's second press waits for
    the first, then finds the counter busy, before it holds any ticket. So the only tickets held are those of
    calls that will go through, and no counter passes over a citizen for a press that was going to fail.
    """
    counter = _counter(session, principal, counter_label)
    # FOR NO KEY UPDATE: presses wait for each other, never for the bookings holding the row FOR KEY SHARE
    session.execute(select(Counter.id).where(Counter.id == counter.id).with_for_update(key_share=True))
    busy = session.scalar(select(Ticket).where(Ticket.counter_id == counter.id, Ticket.status.in_([CALLED, SERVING])))
    if busy is not None:
        raise CounterBusy(ticket=ticket_label(busy))
    services = set(session.scalars(select(CounterService.service_id).where(CounterService.counter_id == counter.id)))
    today = site_today(session.get(Site, counter.site_id), now)
    waiting = _waiting_entries(session, counter.agency_id, today)
    for entry in next_for_counter(waiting, services, now):
        if not _hold_if_free(session, entry.id):
            continue
        ticket = session.get(Ticket, entry.id)
        try:
            called = _try_move(session, ticket, WAITING, CALLED, counter_id=counter.id,
                               called_at=ticket.called_at or now, last_called_at=now)  # fmt: skip
        except IntegrityError:  # a second press at this counter, at the same moment, called someone first
            raise StaleRead("the counter called a ticket meanwhile") from None
        if called:
            _audit(session, principal, "ticket.call", ticket, now, counter=counter.label, tier=tier(entry, now))
            set_committed_value(ticket, "counter", counter)
            _tell_the_next(session, counter.site_id, [other for other in waiting if other.id != ticket.id], now)
            return ticket
    raise QueueEmpty()


def _hold_if_free(session: Session, ticket_id: int) -> bool:
    """Lock the ticket for this call unless another call holds it or it is no longer waiting."""
    free = select(Ticket.id).where(Ticket.id == ticket_id, Ticket.status == WAITING)
    return session.scalar(free.with_for_update(skip_locked=True)) is not None


def _tell_the_next(session: Session, site_id: int, waiting: list[Waiting], now: dt.datetime) -> None:
    """The queue moved: whoever now has at most the site's ``turn_soon_places`` people ahead is told their
    turn is near (the outbox sends it once per booking, and not at all once the ticket is called)."""
    places = session.scalar(select(Site.turn_soon_places).where(Site.id == site_id))
    if not places:
        return
    soon = [entry.id for entry in queue_order(waiting, now)[: places + 1]]
    for booking in session.scalars(
        select(Booking).join(Ticket, Ticket.booking_id == Booking.id).where(Ticket.id.in_(soon))
    ):
        outbox.plan_turn_soon(session, booking, now)


def recall(session: Session, principal: Principal, label: str, *, now: dt.datetime) -> Ticket:
    ticket = _ticket_for_staff(session, principal, label, now)
    _move(session, ticket, "recall", (CALLED,), CALLED, recalls=ticket.recalls + 1, last_called_at=now)
    _audit(session, principal, "ticket.recall", ticket, now, recalls=ticket.recalls)
    return ticket


def start(session: Session, principal: Principal, label: str, *, now: dt.datetime) -> Ticket:
    ticket = _ticket_for_staff(session, principal, label, now)
    _move(session, ticket, "start", (CALLED,), SERVING, started_at=now)
    _audit(session, principal, "ticket.start", ticket, now)
    return ticket


def finish(session: Session, principal: Principal, label: str, *, now: dt.datetime) -> Ticket:
    """Done: the citizen was served; a booked citizen's booking is served too. A visit of several services
    goes on under the same number: the ticket moves to the citizen's next step (its agency's queue, due at its
    booked time, that booking checked in), as a transfer does."""
    ticket = _ticket_for_staff(session, principal, label, now)
    _move(session, ticket, "done", (CALLED, SERVING), TicketStatus.done, started_at=ticket.started_at or now,
          done_at=now)  # fmt: skip
    _serve_booking(session, ticket, now)
    _audit(session, principal, "ticket.done", ticket, now)
    step = _next_visit_step(session, ticket.booking)
    if step is not None and _latest_leg(session, step.id) is None:  # not already queued by its own code
        lifecycle.take_step(session, step, "check_in", now=now)
        following = _next_leg(ticket, step.service, booking_id=step.id, kind="booked", due_at=step.starts_at, now=now)
        session.add(following)
        session.flush()
        _audit(session, principal, "ticket.visit_step", following, now, service=step.service.code)
    return ticket


def _next_visit_step(session: Session, booking: Booking | None) -> Booking | None:
    """The same citizen's next booking of their visit still to come (confirmed), if any."""
    if booking is None or booking.visit_lead_id is None or booking.citizen_nik_hash is None:
        return None
    return session.scalar(
        select(Booking)
        .where(
            Booking.visit_lead_id == booking.visit_lead_id,
            Booking.citizen_nik_hash == booking.citizen_nik_hash,
            Booking.starts_at > booking.starts_at,
            Booking.status == BookingStatus.confirmed,
        )
        .order_by(Booking.starts_at)
        .limit(1)
    )


def miss(session: Session, principal: Principal, label: str, *, now: dt.datetime) -> Ticket:
    """The citizen did not come after the site's number of recalls: the counter is free again and the
    booking becomes a no-show (undone by a comeback)."""
    ticket = _ticket_for_staff(session, principal, label, now)
    site = session.get(Site, ticket.site_id)
    if ticket.status == CALLED and ticket.recalls < site.recalls_before_missed:
        raise MissedTooSoon(status=ticket.status, action="missed", recalls=site.recalls_before_missed)
    _move(session, ticket, "missed", (CALLED,), TicketStatus.missed, missed_at=now)
    booking = ticket.booking
    if booking is not None and booking.status == BookingStatus.checked_in:
        lifecycle.take_step(session, booking, "miss", now=now)
    _audit(session, principal, "ticket.missed", ticket, now)
    return ticket


def ticket_link(public_url: str, site_slug: str, label: str) -> str:
    """The public page that follows a ticket: ``ticket_url`` in answers, the link in "your turn soon"."""
    return f"{public_url}/t/{site_slug}/{label}"


def come_back(session: Session, principal: Principal, label: str, *, now: dt.datetime) -> Ticket:
    """A missed citizen turned up after all: back in the queue, once, as if they arrived now."""
    ticket = _ticket_for_staff(session, principal, label, now)
    ticket = _come_back(session, ticket, now)
    _audit(session, principal, "ticket.comeback", ticket, now)
    return ticket


def transfer(session: Session, principal: Principal, label: str, service_code: str, *, now: dt.datetime) -> Ticket:
    """Send the citizen on to another service (any agency of the site) under the same number, keeping
    their place in the day: this leg ends as done, the next one waits in order of the first arrival."""
    ticket = _ticket_for_staff(session, principal, label, now)
    site = session.get(Site, ticket.site_id)
    target = catalogue.bookable_service(session, site, service_code)
    _require_open(session, site, target, ticket.local_date)
    _move(session, ticket, "transfer", (CALLED, SERVING), TicketStatus.done, started_at=ticket.started_at or now,
          done_at=now, transferred=True)  # fmt: skip
    _serve_booking(session, ticket, now)
    following = _next_leg(ticket, target, booking_id=ticket.booking_id, kind="walk_in", due_at=None, now=now)
    session.add(following)
    session.flush()
    _audit(session, principal, "ticket.transfer", following, now, service=target.code)
    return following


def _next_leg(ticket: Ticket, service: Service, *, booking_id, kind: str, due_at, now: dt.datetime) -> Ticket:
    """The ticket's next leg at ``service`` under the same number, in order of the visit's first arrival."""
    return Ticket(
        site_id=ticket.site_id,
        agency_id=service.agency_id,
        service_id=service.id,
        booking_id=booking_id,
        local_date=ticket.local_date,
        prefix=ticket.prefix,
        number=ticket.number,
        leg=ticket.leg + 1,
        kind=kind,
        priority=ticket.priority,
        due_at=due_at,
        queued_at=ticket.queued_at,
        status=WAITING,
        recalls=0,
        comebacks=0,
        arrived_at=now,
        transferred=False,
    )


def _come_back(session: Session, ticket: Ticket, now: dt.datetime) -> Ticket:
    if ticket.status != TicketStatus.missed or ticket.comebacks > 0:
        raise TicketStepInvalid(status=ticket.status, action="comeback")
    _move(session, ticket, "comeback", (TicketStatus.missed,), WAITING, comebacks=ticket.comebacks + 1,
          queued_at=now, due_at=None, counter_id=None, missed_at=None)  # fmt: skip
    booking = ticket.booking
    if booking is not None and booking.status == BookingStatus.no_show:
        lifecycle.take_step(session, booking, "check_in", now=now)
    return ticket


def _serve_booking(session: Session, ticket: Ticket, now: dt.datetime) -> None:
    booking = ticket.booking
    # a transfer's later legs share the first leg's booking (served then); a visit's next step has its own
    if (
        booking is not None
        and (ticket.leg == 0 or ticket.kind == "booked")
        and booking.status == BookingStatus.checked_in
    ):
        lifecycle.take_step(session, booking, "serve", now=now)


def _move(session: Session, ticket: Ticket, action: str, sources, target: TicketStatus, **values) -> None:
    if ticket.status not in sources:
        raise TicketStepInvalid(status=ticket.status, action=action)
    if not _try_move(session, ticket, ticket.status, target, **values):
        raise StaleRead(f"ticket {ticket.id} changed since it was read")


def _try_move(session: Session, ticket: Ticket, source: str, target: TicketStatus, **values) -> bool:
    """One conditional UPDATE on the ticket's status as read; False if another transaction moved it first.

    Calling to a counter that has a ticket called meets the partial unique index (IntegrityError).
    """
    changes = {"status": target, **values}
    with session.begin_nested():
        written = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.status == source)
            .values(changes)
            .execution_options(synchronize_session=False)
        )
    if written.rowcount != 1:
        return False
    for column, value in changes.items():
        set_committed_value(ticket, column, value)
    return True


def _counter(session: Session, principal: Principal, label: str) -> Counter:
    counter = None
    if not catalogue.unusable_key(label):
        counter = session.scalar(select(Counter).where(Counter.site_id == principal.site_id, Counter.label == label))
    if counter is None:
        raise NotFound(what="counter")
    require_agency(principal, counter.site_id, counter.agency_id)
    return counter


def _ticket_for_staff(session: Session, principal: Principal, label: str, now: dt.datetime) -> Ticket:
    site = session.get(Site, principal.site_id)
    ticket = ticket_by_label(session, site, label, now)
    require_agency(principal, ticket.site_id, ticket.agency_id)
    return ticket


def _audit(session: Session, principal: Principal, action: str, ticket: Ticket, now: dt.datetime, **after) -> None:
    audit.record(
        session,
        actor=principal.username,
        action=action,
        target=f"ticket:{ticket.local_date.isoformat()}:{ticket_label(ticket)}",
        site_id=ticket.site_id,
        now=now,
        after={"status": str(ticket.status), **after},
    )


def _local_time(site: Site, moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo(site.timezone)).strftime("%H:%M")


# --- the board -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCall:
    ticket: str
    counter: str
    agency: str
    called_at: dt.datetime
    status: str


@dataclass(frozen=True)
class AgencyWaiting:
    agency: str
    name: str
    prefix: str
    count: int


@dataclass(frozen=True)
class Board:
    """What the hall's TV shows: no personal data, ever."""

    calling: list[BoardCall]  # called now, newest call first
    recent: list[BoardCall]  # the last calls, whatever became of them
    waiting: list[AgencyWaiting]


@dataclass(frozen=True)
class QueueEvent:
    """What the boards are told once a change of a site's queue has committed: no personal data, ever."""

    kind: str  # one of EVENT_KINDS
    ticket: str  # "A-012"
    agency: str  # the agency's slug
    counter: str | None  # the counter's label, while the ticket is at one


EVENT_KINDS = ("arrival", "call", "recall", "start", "done", "missed", "comeback", "transfer")
ANNOUNCED = ("call", "recall")  # the changes a board calls out loud


def queue_event(kind: str, ticket: Ticket) -> QueueEvent:
    """The event of a change to ``ticket`` (its agency and counter loaded)."""
    assert kind in EVENT_KINDS, kind
    counter = ticket.counter.label if ticket.counter is not None else None
    return QueueEvent(kind=kind, ticket=ticket_label(ticket), agency=ticket.agency.slug, counter=counter)


def board(session: Session, site: Site, now: dt.datetime) -> Board:
    today = site_today(site, now)
    calls = session.execute(
        select(Ticket, Counter.label, Agency.slug)
        .join(Counter, Counter.id == Ticket.counter_id)
        .join(Agency, Agency.id == Ticket.agency_id)
        .where(Ticket.site_id == site.id, Ticket.local_date == today, Ticket.last_called_at.is_not(None))
        .order_by(Ticket.last_called_at.desc(), Ticket.id.desc())
        .limit(RECENT_CALLS + 20)
    ).all()
    made = [
        BoardCall(ticket_label(ticket), label, agency, ticket.last_called_at, str(ticket.status))
        for ticket, label, agency in calls
    ]
    counts = session.execute(
        select(Agency.slug, Agency.name, Agency.ticket_prefix, func.count(Ticket.id))
        .join(Ticket, Ticket.agency_id == Agency.id)
        .where(Ticket.site_id == site.id, Ticket.local_date == today, Ticket.status == WAITING)
        .group_by(Agency.slug, Agency.name, Agency.ticket_prefix, Agency.sort_order)
        .order_by(Agency.sort_order, Agency.slug)
    ).all()
    return Board(
        calling=[call for call in made if call.status == CALLED],
        recent=made[:RECENT_CALLS],
        waiting=[AgencyWaiting(slug, name, prefix, count) for slug, name, prefix, count in counts],
    )
