"""Staff login and the counter's work under ``/api/v1``: thin, the domain decides.

``POST /auth/token`` is open; everything under ``/staff`` needs a bearer token (see ``booking.http.auth``).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from booking import counter_work, lifecycle, personal_data
from booking.api.openapi import AlsoAsCsv
from booking.api.schemas import (
    AgencyRef,
    CounterScheduleOut,
    LoginIn,
    ScanIn,
    ScheduleOut,
    StaffBookingOut,
    WalkInIn,
    staff_booking_out,
)
from booking.availability import site_today
from booking.bookings import WalkInRequest
from booking.counter_work import DaySchedule
from booking.errors import FieldError, InvalidInput
from booking.http.auth import TokenIssuer, TokenOut, issue_token
from booking.http.context import Context
from booking.http.params import parse_date
from booking.messages import YES_NO, negotiate_language, status_name
from booking.models import Site
from booking.staff import Principal

Ctx = NamedDependency[Context]
COUNTER_STEP_REFUSALS = ["not_found", "invalid_transition", "wrong_day"]
Tokens = NamedDependency[TokenIssuer]
CSV_HEADER = [
    "counter",
    "start",
    "end",
    "code",
    "service",
    "citizen",
    "nik",
    "phone",
    "status",
    "walk_in",
    "notification",
    "booked_by",  # added after the others: formulas that count columns from the left still work
]


class AuthController(Controller):
    path = "/auth"
    tags = ["staff"]

    @post(
        "/token",
        sync_to_thread=True,
        status_code=200,
        summary="Staff login: a bearer token",
        problems=["unauthorized", "rate_limited"],
    )
    def token(self, ctx: Ctx, tokens: Tokens, data: JSONBody[LoginIn]) -> TokenOut:
        return issue_token(ctx, tokens, data.username, data.password)


class StaffController(Controller):
    path = "/staff"
    tags = ["staff"]

    @get(
        "/schedule",
        sync_to_thread=True,
        summary="The day's bookings per counter of an agency; Accept: text/csv gives CSV",
        problems=["not_found"],
        operation_class=AlsoAsCsv,
    )
    def schedule(
        self,
        ctx: Ctx,
        request: Request[Principal, object, object],
        date: Annotated[str | None, QueryParameter(max_length=20, description="YYYY-MM-DD; default today")] = None,
        agency: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Response[ScheduleOut]:  # or CSV (AlsoAsCsv documents it)
        principal, now = request.user, ctx.clock()
        as_csv = "text/csv" in request.headers.get("accept", "")

        def work(session) -> Response:  # a write: a view of full names is audited
            site = _site_of(session, principal)
            day = parse_date("date", date) or site_today(site, now)
            schedule = counter_work.day_schedule(
                session, principal, site, agency, day, now=now, view="csv" if as_csv else "api"
            )
            if as_csv:
                filename = f"jadwal-{schedule.agency.slug}-{day.isoformat()}.csv"
                language = negotiate_language(request.headers.get("accept-language"))
                return Response(
                    schedule_csv(schedule, language),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                )
            return Response(schedule_out(schedule))

        return ctx.db.transaction(work)

    @get(
        "/bookings/{code:str}",
        sync_to_thread=True,
        summary="One booking of your agency, by code or scanned QR (a view of a full name is audited)",
        problems=["not_found"],
    )
    def show(self, ctx: Ctx, request: Request[Principal, object, object], code: FromPath[str]) -> StaffBookingOut:
        def work(session):
            now = ctx.clock()
            booking = counter_work.look_up(session, request.user, code, now=now)
            return _staff_view(request.user, booking, now)

        return ctx.db.transaction(work)

    @post(
        "/bookings/{code:str}/check-in",
        sync_to_thread=True,
        status_code=200,
        summary="The citizen has arrived",
        problems=COUNTER_STEP_REFUSALS,
    )
    def check_in(self, ctx: Ctx, request: Request[Principal, object, object], code: FromPath[str]) -> StaffBookingOut:
        return _advance(ctx, request.user, code, "check_in")

    @post(
        "/check-ins",
        sync_to_thread=True,
        status_code=200,
        summary="Check in by what a scanner read: the booking code or the manage link in its QR code",
        problems=COUNTER_STEP_REFUSALS,
    )
    def check_in_scanned(
        self, ctx: Ctx, request: Request[Principal, object, object], data: JSONBody[ScanIn]
    ) -> StaffBookingOut:
        return _advance(ctx, request.user, data.scan, "check_in")

    @post(
        "/bookings/{code:str}/serve",
        sync_to_thread=True,
        status_code=200,
        summary="The citizen was served",
        problems=COUNTER_STEP_REFUSALS,
    )
    def serve(self, ctx: Ctx, request: Request[Principal, object, object], code: FromPath[str]) -> StaffBookingOut:
        return _advance(ctx, request.user, code, "serve")

    @post(
        "/bookings/{code:str}/no-show",
        sync_to_thread=True,
        status_code=200,
        summary="The citizen did not come (once the slot has begun)",
        problems=COUNTER_STEP_REFUSALS,
    )
    def no_show(self, ctx: Ctx, request: Request[Principal, object, object], code: FromPath[str]) -> StaffBookingOut:
        return _advance(ctx, request.user, code, "no_show")

    @post(
        "/walk-ins",
        sync_to_thread=True,
        status_code=201,
        summary="Book a walk-in into the current or next slot",
        problems=["closed", "slot_full", "duplicate_booking"],  # walk-ins use no daily quota
    )
    def walk_in(
        self, ctx: Ctx, request: Request[Principal, object, object], data: JSONBody[WalkInIn]
    ) -> StaffBookingOut:
        walk_in = WalkInRequest(
            service=data.service, nik=data.citizen.nik, name=data.citizen.name, phone=data.citizen.phone
        )

        def work(session):
            site, now = _site_of(session, request.user), ctx.clock()
            booking = counter_work.walk_in(
                session, request.user, site, walk_in, now=now, secret_key=ctx.settings.resolved_secret_key
            )
            return _staff_view(request.user, booking, now)

        return ctx.db.transaction(work)


def _advance(ctx: Context, principal: Principal, code: str, action: str) -> StaffBookingOut:
    def work(session):
        now = ctx.clock()
        booking = counter_work.booking_for_staff(session, principal, code)
        return _staff_view(principal, counter_work.advance(session, principal, booking, action, now=now), now)

    return ctx.db.transaction(work)


def _staff_view(principal: Principal, booking, now) -> StaffBookingOut:
    """A booking a clerk just looked up or acted on (the lookup or the action is in the audit log)."""
    return staff_booking_out(booking, full_name=personal_data.names_shown_today(principal, booking, now))


def schedule_out(schedule: DaySchedule) -> ScheduleOut:
    return ScheduleOut(
        date=schedule.date,
        agency=AgencyRef(slug=schedule.agency.slug, name=schedule.agency.name),
        timezone=schedule.site.timezone,
        counters=[
            CounterScheduleOut(
                label=counter.label,
                bookings=[
                    staff_booking_out(row.booking, row.notification_status, full_name=schedule.full_names)
                    for row in counter.rows
                ],
            )
            for counter in schedule.counters
        ],
    )


def schedule_csv(schedule: DaySchedule, language: str) -> str:
    """One line per booking, for printing or a spreadsheet: the same data as the JSON (NIK and phone masked),
    with statuses in words (people read this file; the column names stay fixed for formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for counter in schedule_out(schedule).counters:
        for booking in counter.bookings:
            writer.writerow(
                [
                    counter.label,
                    booking.start.strftime("%H:%M"),
                    booking.end.strftime("%H:%M"),
                    booking.code,
                    booking.service.name,
                    booking.citizen.name,
                    booking.citizen.nik,
                    booking.citizen.phone,
                    status_name(lifecycle.HELD if booking.held_until else booking.status, language),
                    YES_NO[booking.walk_in](language),
                    status_name(booking.notification_status, language) if booking.notification_status else "",
                    booking.booked_by or "",
                ]
            )
    return out.getvalue()


def _site_of(session, principal: Principal) -> Site:
    site = session.get(Site, principal.site_id)
    if site is None:
        raise InvalidInput([FieldError("site", "site_unknown")])
    return site
