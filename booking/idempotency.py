"""``Idempotency-Key`` for booking creation: the same key and body replay the first answer.

The key row is written first in the booking's own transaction, so it exists exactly when the booking
does. A concurrent duplicate meets that row at the primary key: on PostgreSQL its insert waits for the
first transaction and then sees the committed answer (or, if the first failed, goes ahead itself); on
SQLite writers are serialised anyway. The key is stored only as a hash; the first answer is stored
without its manage token, which a replay derives again from the booking and the server secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from booking.bookings import BookingRequest, NewBooking, create_booking, manage_token
from booking.db import insert_ignoring_conflicts
from booking.errors import FieldError, IdempotencyConflict, InvalidInput
from booking.models import Booking, IdempotencyKey, Site

MAX_KEY_LENGTH = 255
ERASED = "erased"  # the request hash of a key whose booking's personal data was erased


@dataclass(frozen=True)
class Replay:
    body: dict
    manage_token: str


def fingerprint(scope: str, payload: object) -> str:
    """A request's identity: where it went and what it said, whatever the key order or spacing."""
    canonical = json.dumps([scope, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Booked:
    """What booking once under a key gave: the answer to send, the manage token, and whether it was a replay."""

    body: dict
    manage_token: str
    replayed: bool


def book_once(
    session: Session,
    site: Site,
    request: BookingRequest,
    *,
    key: str | None,
    request_hash: str,
    answer: Callable[[Session, NewBooking], dict],
    now: dt.datetime,
    ttl: dt.timedelta,
    secret_key: str,
    channels_ready: tuple[str, ...],
) -> Booked:
    """Book under an idempotency key, in the caller's transaction: the key sent again with the same request
    replays the first answer, with another request it is ``IdempotencyConflict``. The API (its
    ``Idempotency-Key`` header) and the booking page (the form's own key) both book through here, so the
    claim, the booking and the remembered answer can never drift apart. ``answer`` shapes what is
    remembered and replayed (the API's JSON, or the page's code); ``key=None`` books without replay;
    ``channels_ready``: the channels the deployment can send by (``Settings.ready_channels``)."""

    def make() -> NewBooking:
        return create_booking(session, site, request, now=now, secret_key=secret_key, channels_ready=channels_ready)

    return make_once(
        session, make, key=key, request_hash=request_hash, answer=answer, now=now, ttl=ttl, secret_key=secret_key
    )


def make_once(
    session: Session,
    make: Callable[[], NewBooking],
    *,
    key: str | None,
    request_hash: str,
    answer: Callable[[Session, NewBooking], dict],
    now: dt.datetime,
    ttl: dt.timedelta,
    secret_key: str,
) -> Booked:
    """``book_once`` for any way of booking (one booking, a visit's lead and members): ``make`` books in the
    caller's transaction, once per key."""
    if key is not None:
        replay = claim(session, key, request_hash, now=now, ttl=ttl, secret_key=secret_key)
        if replay is not None:
            return Booked(replay.body, replay.manage_token, replayed=True)
    made = make()
    body = answer(session, made)
    if key is not None:
        remember(session, key, booking_id=made.booking.id, body=body)
    return Booked(body, made.manage_token, replayed=False)


def claim(
    session: Session, key: str, request_hash: str, *, now: dt.datetime, ttl: dt.timedelta, secret_key: str
) -> Replay | None:
    """Claim ``key`` in this transaction; a key already used returns the first answer to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput([FieldError("Idempotency-Key", "value_invalid")])
    key_hash = _key_hash(key)
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.key_hash == key_hash, IdempotencyKey.created_at < now - ttl)
    )
    # RETURNING, not rowcount: drivers disagree on the rowcount of INSERT ... ON CONFLICT DO NOTHING.
    claimed = session.scalar(
        insert_ignoring_conflicts(
            session,
            IdempotencyKey,
            key_hash=key_hash,
            request_hash=request_hash,
            response_body="",
            created_at=now,
        ).returning(IdempotencyKey.key_hash)
    )
    if claimed is not None:
        return None
    first = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key_hash == key_hash))
    if first is None or first.request_hash != request_hash or not first.response_body:
        raise IdempotencyConflict()
    booking = session.get(Booking, first.booking_id)
    token = manage_token(secret_key, booking.code, booking.manage_token_salt)
    return Replay(body=json.loads(first.response_body), manage_token=token)


def remember(session: Session, key: str, *, booking_id: int, body: dict) -> None:
    """Store the first answer (without its token) on the row ``claim`` made."""
    row = session.get(IdempotencyKey, _key_hash(key))
    row.booking_id = booking_id
    row.response_body = json.dumps(body, ensure_ascii=False)
    session.flush()


def forget_booking(session: Session, booking_id: int) -> None:
    """Erasure: a booking's keys forget the request's hash and the first answer (both came from the
    citizen's data). The key itself stays until it expires, so a retry of that creation is refused as
    ``idempotency_conflict`` and never books the erased citizen again."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.booking_id == booking_id)
        .values(request_hash=ERASED, response_body="", booking_id=None)
        .execution_options(synchronize_session=False)
    )


def purge_expired(session: Session, *, now: dt.datetime, ttl: dt.timedelta) -> int:
    return session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - ttl)).rowcount


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
