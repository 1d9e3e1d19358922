"""Domain errors: a stable machine ``code`` each, as the public contract lists them.

They know nothing of HTTP; the API maps each code to its status and writes the human text in the
caller's language (``booking.messages``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    code: str
    params: dict[str, object] = field(default_factory=dict)


class DomainError(Exception):
    code = "error"
    wording: str | None = None  # the sentence a person reads, when it says more than the code's own

    def __init__(self, **params: object) -> None:
        super().__init__(self.code)
        self.params = params


class InvalidInput(DomainError):
    code = "validation_error"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__()
        self.errors = errors


class NotFound(DomainError):
    code = "not_found"


class SlotFull(DomainError):
    code = "slot_full"


class QuotaExhausted(DomainError):
    code = "quota_exhausted"


class DuplicateBooking(DomainError):
    code = "duplicate_booking"


class Closed(DomainError):
    code = "closed"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class WrongCredentials(Unauthorized):
    """A login whose username or password is wrong (which of the two is not said)."""

    wording = "wrong_credentials"


class RateLimited(DomainError):
    code = "rate_limited"  # params: retry_after (seconds)


class AccountLocked(RateLimited):
    """Too many wrong passwords in a row: the account waits, whatever password comes next."""

    wording = "account_locked"  # params: retry_after (seconds)


class WrongDay(DomainError):
    code = "wrong_day"  # params: date (a datetime.date)


class TicketStepInvalid(InvalidTransition):
    """A queue ticket cannot take this step as it stands (params: status, action)."""

    wording = "ticket_invalid_transition"


class MissedTooSoon(TicketStepInvalid):
    """A called ticket is marked missed only after the site's number of recalls (params: recalls)."""

    wording = "missed_too_soon"


class QueueEmpty(DomainError):
    code = "queue_empty"


class CounterBusy(DomainError):
    """The counter already has a ticket called or being served (params: ticket)."""

    code = "counter_busy"


class TooEarly(DomainError):
    """A booked citizen arrived before their ticket may be taken (params: time, the local hh:mm)."""

    code = "too_early"


class WalkInsFull(DomainError):
    """Today's walk-in places of a service are gone; ``next_online`` is the next time bookable online, if any."""

    code = "walk_ins_full"

    def __init__(self, next_online: str | None) -> None:
        super().__init__()
        self.next_online = next_online


class Busy(DomainError):
    """The database stayed too contended to finish the change in time; nothing was changed: try again."""

    code = "busy"


class BookingsAffected(DomainError):
    """A rule change would leave booked citizens without a place; ``bookings`` lists them."""

    code = "bookings_affected"

    def __init__(self, bookings: list) -> None:
        super().__init__(count=len(bookings))
        self.bookings = bookings


class SurveyExpired(DomainError):
    """A survey's link is past its time (params: date, the day it expired); it takes no answer any more."""

    code = "survey_expired"


class LastAdmin(DomainError):
    """The change would leave the site without an active admin: nobody could run it any more."""

    code = "last_admin"


class DayHasRoom(DomainError):
    """A waiting list is joined only for a full day; this one has room (params: date): book instead."""

    code = "day_has_room"


class WaitlistDuplicate(DomainError):
    """The citizen (NIK) is already on this service's waiting list for that day."""

    code = "waitlist_duplicate"


class OfferUsed(DomainError):
    """A waiting-list offer already accepted: its link takes nothing a second time."""

    code = "offer_used"


class OfferExpired(DomainError):
    """A waiting-list offer declined or run out: the place went to the next in line or back on sale."""

    code = "offer_expired"


class VisitDoesNotFit(DomainError):
    """A visit (a family, or a chain of services) does not fit whole: nothing of it is booked."""

    code = "visit_does_not_fit"  # params: step (1-based), service (its name), time (HH.MM local), places
