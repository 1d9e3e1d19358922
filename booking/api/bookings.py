"""A citizen's own booking under ``/api/v1/bookings/{code}``, opened with its manage token."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from booking import outbox, personal_data
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import BookingOut, PersonalDataOut, RescheduleIn, booking_out, personal_data_out
from booking.bookings import booking_for_holder, cancel_booking, get_booking, reschedule_booking, visit_members
from booking.http.context import Context
from booking.messages import negotiate_language

TokenHeader = Annotated[str | None, HeaderParameter(name="X-Booking-Token", max_length=200)]
TokenQuery = Annotated[str | None, QueryParameter(name="token", max_length=200)]
Ctx = NamedDependency[Context]


class BookingController(Controller):
    path = "/bookings/{code:str}"
    tags = ["bookings"]

    @get("/", sync_to_thread=True, summary="A booking, for the holder of its manage token", problems=["not_found"])
    def show(
        self, ctx: Ctx, code: FromPath[str], header_token: TokenHeader = None, token: TokenQuery = None
    ) -> BookingOut:
        with ctx.db.read() as session:
            booking = get_booking(session, code, header_token or token)
            return booking_out(
                booking, ctx.settings.resolved_public_url, outbox.notifications_of(session, booking),
                visit_members(session, booking),
            )  # fmt: skip

    @post(
        "/cancel",
        sync_to_thread=True,
        status_code=200,
        summary="Cancel (idempotent); the place is given back",
        problems=["not_found", "invalid_transition"],
    )
    def cancel(
        self, ctx: Ctx, code: FromPath[str], header_token: TokenHeader = None, token: TokenQuery = None
    ) -> BookingOut:
        def work(session):
            booking = cancel_booking(session, get_booking(session, code, header_token or token), now=ctx.clock())
            return booking_out(
                booking, ctx.settings.resolved_public_url, outbox.notifications_of(session, booking),
                visit_members(session, booking),
            )  # fmt: skip

        answer = ctx.db.transaction(work)
        return answer

    @post(
        "/reschedule",
        sync_to_thread=True,
        status_code=200,
        summary="Move to another start; the old place is kept if the new one cannot be had",
        problems=BOOKING_REFUSALS + ["not_found", "invalid_transition"],
    )
    def reschedule(
        self,
        ctx: Ctx,
        code: FromPath[str],
        data: JSONBody[RescheduleIn],
        header_token: TokenHeader = None,
        token: TokenQuery = None,
    ) -> BookingOut:
        def work(session):
            booking = get_booking(session, code, header_token or token)
            booking = reschedule_booking(session, booking, data.start, now=ctx.clock())
            return booking_out(booking, ctx.settings.resolved_public_url, outbox.notifications_of(session, booking))

        answer = ctx.db.transaction(work)
        return answer

    @get(
        "/personal-data",
        sync_to_thread=True,
        summary="What is held about the citizen, in clear, why, and until when (UU PDP access right)",
        problems=["not_found"],
    )
    def show_personal_data(
        self,
        ctx: Ctx,
        request: Request,
        code: FromPath[str],
        header_token: TokenHeader = None,
        token: TokenQuery = None,
    ) -> PersonalDataOut:
        language = negotiate_language(request.headers.get("accept-language"))
        with ctx.db.read() as session:
            booking = booking_for_holder(session, code, header_token or token)
            members = visit_members(session, booking)
            return personal_data_out(personal_data.held_data(booking), language, members)

    @post(
        "/erase",
        sync_to_thread=True,
        status_code=200,
        summary="Erase the citizen's data (UU PDP); a booking still ahead is cancelled first. Idempotent",
        description="The answer shows what remains. A booking still ahead is cancelled first (its place given "
        "back, its reminders stopped); its cancellation notice is still sent, and the phone or e-mail it needs "
        "is erased as soon as it is (`contact_kept_until_notice_sent`). Afterwards the manage token no longer "
        "opens the booking (`GET /bookings/{code}` answers 404); this endpoint and `/personal-data` still "
        "answer its holder, with nothing held. Erasing again changes nothing and answers 200.",
        problems=["not_found"],
    )
    def erase_personal_data(
        self,
        ctx: Ctx,
        request: Request,
        code: FromPath[str],
        header_token: TokenHeader = None,
        token: TokenQuery = None,
    ) -> PersonalDataOut:
        language = negotiate_language(request.headers.get("accept-language"))

        def work(session):
            booking = booking_for_holder(session, code, header_token or token)
            erased = personal_data.erase_on_request(
                session, booking, now=ctx.clock(), secret_key=ctx.settings.resolved_secret_key
            )
            return personal_data_out(personal_data.held_data(erased), language, visit_members(session, erased))

        answer = ctx.db.transaction(work)
        return answer
