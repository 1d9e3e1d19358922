"""The waiting list of a full day under ``/api/v1/sites/{site}/waitlist``: thin, ``booking.waitlist`` does the work.

An entry is opened by its link's token (in the path, as a survey's): the 201 answer and the offer message
carry it. Leaving (``DELETE``) deletes the entry and the personal data it holds: that is the entry's erasure.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from booking import catalogue, outbox, waitlist
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import AgencyRef, BookingOut, CitizenIn, CitizenOut, CounterOut, booking_out, citizen_out
from booking.bookings import NewBooking, display_code, manage_link
from booking.http.context import Context
from booking.models import WaitlistEntry
from booking.privacy_notice import documented_notice

Ctx = NamedDependency[Context]
Token = Annotated[str, msgspec.Meta(max_length=64)]
ENTRY_REFUSALS = ["not_found", "offer_expired", "offer_used"]


class WaitlistIn(msgspec.Struct, forbid_unknown_fields=True):
    service: str
    date: dt.date  # the (first) day waited for
    citizen: CitizenIn
    # the last day waited for: the entry is offered the first place freed on any day from ``date`` to this one
    until: dt.date | msgspec.UnsetType = msgspec.UNSET
    channels: list[str] | msgspec.UnsetType = msgspec.UNSET  # left out: ["sms"]; the offer must reach them
    locale: str = "id"
    privacy_notice: Annotated[str, msgspec.Meta(max_length=32)] | msgspec.UnsetType = msgspec.UNSET


class OfferOut(msgspec.Struct):
    state: str  # held (to answer), accepted, lapsed (declined or run out)
    start: dt.datetime
    end: dt.datetime
    counter: CounterOut
    held_until: dt.datetime | None  # null once accepted
    booking_code: str | None  # the booking it became, once accepted


class WaitlistOut(msgspec.Struct):
    site: str
    service: str
    agency: AgencyRef
    date: dt.date
    until: dt.date  # the last day waited for (``date`` when only one)
    status: str  # waiting, held, accepted, lapsed
    position: int | None  # 1: first in line; null once offered a place
    citizen: CitizenOut
    channels: list[str]
    manage_url: str  # the entry's page (its token is in it): position, leave, and an offer to accept
    offer: OfferOut | None


class JoinedOut(WaitlistOut):
    token: str  # opens the entry here and on its page


def waitlist_out(session, entry: WaitlistEntry, token: str, public_url: str, now: dt.datetime) -> WaitlistOut:
    zone, hold = ZoneInfo(entry.site.timezone), entry.hold
    offer = None
    state = waitlist.offer_state(entry, now)
    if hold is not None:
        offer = OfferOut(
            state=state,
            start=hold.starts_at.astimezone(zone),
            end=hold.ends_at.astimezone(zone),
            counter=CounterOut(label=hold.counter.label),
            held_until=hold.held_until.astimezone(zone) if hold.held_until else None,
            booking_code=display_code(hold.code) if state == "accepted" else None,
        )
    return WaitlistOut(
        site=entry.site.slug,
        service=entry.service.code,
        agency=AgencyRef(slug=entry.service.agency.slug, name=entry.service.agency.name),
        date=entry.local_date,
        until=entry.last_date,
        status=state,
        position=waitlist.position(session, entry),
        citizen=citizen_out(entry),
        channels=list(entry.channels),
        manage_url=public_url + waitlist.entry_path(entry.site.slug, token),
        offer=offer,
    )


class WaitlistController(Controller):
    path = "/sites/{site:str}/waitlist"
    tags = ["waitlist"]

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Join the waiting list of a full day: a freed place is offered to the first in line",
        description="Only for a day that is full: a day with room is 409 `day_has_room` (book instead); a "
        "closed day is 409 `closed`; a citizen already booked that day 409 `duplicate_booking`, already on the "
        "list 409 `waitlist_duplicate`. With `until`, the entry waits for the first place freed on any day from "
        "`date` to `until` (at most 14 days, each full or closed: the first with room is `day_has_room`). The "
        "citizen, channels and privacy notice follow a booking's rules. "
        + documented_notice(),
        problems=["not_found", "closed", "duplicate_booking", "day_has_room", "waitlist_duplicate"],
    )
    def join(self, ctx: Ctx, site: FromPath[str], data: JSONBody[WaitlistIn]) -> Response[JoinedOut]:
        now, secret = ctx.clock(), ctx.settings.resolved_secret_key
        request = waitlist.WaitlistRequest(
            service=data.service,
            date=data.date,
            nik=data.citizen.nik,
            name=data.citizen.name,
            phone=data.citizen.phone,
            email=data.citizen.email,
            channels=("sms",) if data.channels is msgspec.UNSET else tuple(data.channels),
            locale=data.locale,
            privacy_notice=data.privacy_notice if isinstance(data.privacy_notice, str) else None,
            until=None if data.until is msgspec.UNSET else data.until,
        )

        def work(session) -> JoinedOut:
            found = catalogue.get_site(session, site)
            joined = waitlist.join(
                session, found, request, now=now, secret_key=secret, channels_ready=ctx.settings.ready_channels
            )
            shown = waitlist_out(session, joined.entry, joined.token, ctx.settings.resolved_public_url, now)
            return JoinedOut(**msgspec.structs.asdict(shown), token=joined.token)

        return Response(ctx.db.transaction(work), status_code=HTTP_201_CREATED)

    @get(
        "/{token:str}",
        sync_to_thread=True,
        summary="A waiting-list entry: its position, or the place offered and until when it is held",
        problems=["not_found"],
    )
    def show(self, ctx: Ctx, site: FromPath[str], token: FromPath[Token]) -> WaitlistOut:
        with ctx.db.read() as session:
            entry = _entry(ctx, session, site, token)
            return waitlist_out(session, entry, token, ctx.settings.resolved_public_url, ctx.clock())

    @post(
        "/{token:str}/accept",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Accept the place offered: it becomes a booking (201, with its manage token and link)",
        description="404 `not_found` when nothing is offered (yet); 409 `offer_used` when it was accepted before; "
        "410 `offer_expired` when it was declined or its hold ran out (nothing is taken).",
        problems=ENTRY_REFUSALS + BOOKING_REFUSALS,
    )
    def accept(self, ctx: Ctx, site: FromPath[str], token: FromPath[Token]) -> Response[BookingOut]:
        now, public_url = ctx.clock(), ctx.settings.resolved_public_url

        def work(session) -> tuple[dict, str]:
            made: NewBooking = waitlist.accept(
                session, _entry(ctx, session, site, token), now=now, secret_key=ctx.settings.resolved_secret_key
            )
            body = booking_out(made.booking, public_url, outbox.notifications_of(session, made.booking))
            return msgspec.to_builtins(body), made.manage_token

        body, manage_token = ctx.db.transaction(work)
        body = {**body, "manage_token": manage_token, "manage_url": manage_link(public_url, body["code"], manage_token)}
        return Response(body, status_code=HTTP_201_CREATED)

    @post(
        "/{token:str}/decline",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Decline the place offered: it goes to the next in line at once",
        description="404 `not_found` when nothing is offered; 409 `offer_used` once accepted; 410 "
        "`offer_expired` when already declined or run out.",
        problems=ENTRY_REFUSALS,
    )
    def decline(self, ctx: Ctx, site: FromPath[str], token: FromPath[Token]) -> WaitlistOut:
        now = ctx.clock()

        def work(session) -> WaitlistOut:
            entry = _entry(ctx, session, site, token)
            waitlist.decline(session, entry, now=now)
            return waitlist_out(session, entry, token, ctx.settings.resolved_public_url, now)

        return ctx.db.transaction(work)

    @delete(
        "/{token:str}",
        sync_to_thread=True,
        status_code=HTTP_204_NO_CONTENT,
        summary="Leave the waiting list: the entry and the personal data it holds are deleted",
        description="A place still held for the entry is released to the next in line; a place already "
        "accepted stays a booking (erase it through its own link).",
        problems=["not_found"],
    )
    def leave(self, ctx: Ctx, site: FromPath[str], token: FromPath[Token]) -> None:
        now = ctx.clock()
        ctx.db.transaction(lambda session: waitlist.leave(session, _entry(ctx, session, site, token), now=now))


def _entry(ctx: Context, session, site: str, token: str) -> WaitlistEntry:
    found = catalogue.get_site(session, site)
    return waitlist.entry_by_token(session, found, token, secret_key=ctx.settings.resolved_secret_key)
