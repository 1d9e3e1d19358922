"""A booking's life: its statuses, the steps between them, and the one function that writes a status.

    confirmed --check_in--> checked_in --serve--> served
    confirmed --no_show (once its slot has begun)--> no_show --check_in (the same day)--> checked_in
    checked_in --miss (their queue ticket was called and missed)--> no_show
    confirmed --cancel (the citizen, before the start)--> cancelled
    confirmed, checked_in --cancel_by_site (a rule change leaves it no place)--> cancelled
    confirmed --reschedule--> confirmed at another time (its revision goes up)
    held (confirmed, ``held_until`` set: a waiting-list offer) --accept--> confirmed, the citizen's
    held --cancel (declined, run out) / cancel_by_site--> cancelled; no other step takes a held place

Every step is one conditional UPDATE on the booking as the transaction read it: its id, its status and
its revision (which every move raises). Of two transactions that read the same booking, exactly one
write matches a row. The other changes nothing and raises ``StaleRead``; ``Database.transaction`` then
runs that whole transaction again from a fresh read, where it finds the step already done (a second
cancel: nothing to do, answered like the first) or no longer possible (``invalid_transition``). So the
capacity is given back, and a message planned, only by the transaction whose write won.

Nothing else writes ``bookings.status`` (``tests/test_architecture.py`` holds that). So this is also
where a visit ends: a booking served (at the counter or by the queue's *Selesai*) gets its satisfaction
survey (``booking.survey``), once, since no step leaves ``served``; a no-show or a cancellation never does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from booking import survey
from booking.db import StaleRead
from booking.errors import InvalidTransition
from booking.models import Booking, BookingStatus

HELD = "held"  # how a refusal names the status of a place held for a waiting-list offer


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[BookingStatus, ...]
    target: BookingStatus
    stamp: str | None = None  # the column that records when it happened
    moves: bool = False  # the booking changes place: its revision goes up, so readers of the old place lose
    # may be taken by a place held for a waiting-list offer, not yet the citizen's (no one has its code to
    # check in, move or miss it): releasing it, the MPP taking it away, or its acceptance
    on_hold: bool = False


STEPS = {
    step.action: step
    for step in (
        Step("check_in", (BookingStatus.confirmed, BookingStatus.no_show), BookingStatus.checked_in, "checked_in_at"),
        Step("serve", (BookingStatus.checked_in,), BookingStatus.served, "served_at"),
        Step("no_show", (BookingStatus.confirmed,), BookingStatus.no_show),
        Step("miss", (BookingStatus.checked_in,), BookingStatus.no_show),  # called at the counter, never came
        Step("cancel", (BookingStatus.confirmed,), BookingStatus.cancelled, "cancelled_at", on_hold=True),
        Step(
            "cancel_by_site",
            (BookingStatus.confirmed, BookingStatus.checked_in),
            BookingStatus.cancelled,
            "cancelled_at",
            on_hold=True,
        ),
        Step("reschedule", (BookingStatus.confirmed,), BookingStatus.confirmed, moves=True),
        # a place held for a waiting-list offer becomes the citizen's: the revision goes up, so an expiry
        # sweep that read the hold before loses its conditional write (and finds the booking accepted)
        Step("accept", (BookingStatus.confirmed,), BookingStatus.confirmed, moves=True, on_hold=True),
    )
}


def require_step(booking: Booking, action: str) -> Step:
    """The step, if the booking as read may take it; ``invalid_transition`` otherwise."""
    step = STEPS[action]
    if booking.status not in step.sources:
        raise InvalidTransition(status=booking.status, action=action)
    if booking.held_until is not None and not step.on_hold:
        raise InvalidTransition(status=HELD, action=action)
    return step


def take_step(session: Session, booking: Booking, action: str, *, now: dt.datetime, **values: object) -> None:
    """Write the step, or raise ``StaleRead`` when another transaction changed the booking since it was read."""
    if not try_step(session, booking, action, now=now, **values):
        raise StaleRead(f"booking {booking.id} changed since it was read")


def try_step(session: Session, booking: Booking, action: str, *, now: dt.datetime, **values: object) -> bool:
    """Write the step if the booking is still as read; False (and nothing written) if it is not.

    ``values`` are further columns the step sets (a cancellation's reason). The loaded ``booking`` is
    brought up to date without another read.
    """
    step = require_step(booking, action)
    changes: dict[str, object] = {"status": step.target, "updated_at": now, **values}
    if step.stamp:
        changes[step.stamp] = now
    if step.moves:
        changes["revision"] = booking.revision + 1
    # (a booking is held from its making or never, so one read as no hold cannot have become one since)
    written = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == booking.status, Booking.revision == booking.revision)
        .values(changes)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:
        return False
    for column, value in changes.items():
        set_committed_value(booking, column, value)
    if step.target == BookingStatus.served:
        survey.plan_after_service(session, booking, now)
    return True
