"""A citizen's own booking under ``/api/v1/bookings/{code}``, opened with its manage token."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from booking import outbox
from booking.api.context import Context
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import BookingOut, RescheduleIn, booking_out
from booking.bookings import cancel_booking, get_booking, reschedule_booking

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
            return booking_out(booking, ctx.settings.resolved_public_url, outbox.notifications_of(session, booking))

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
            return booking_out(booking, ctx.settings.resolved_public_url, outbox.notifications_of(session, booking))

        answer = ctx.db.transaction(work)
        ctx.wake_up()
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
        ctx.wake_up()
        return answer
