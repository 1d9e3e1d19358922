"""Public catalogue, availability and booking creation under ``/api/v1/sites``: thin, domain does the work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from booking import catalogue, idempotency, outbox
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import (
    AgencyOut,
    AvailabilityOut,
    BookingIn,
    BookingOut,
    ServiceOut,
    SiteOut,
    agency_out,
    availability_out,
    booking_out,
    service_out,
    site_out,
)
from booking.availability import service_availability, site_today
from booking.bookings import BookingRequest, manage_link, visit_members
from booking.errors import DomainError
from booking.http.context import Context
from booking.http.params import parse_date
from booking.messages import negotiate_language
from booking.privacy_notice import documented_notice

DEFAULT_DAYS = 14
FIRST_DAY, LAST_DAY = "YYYY-MM-DD; default: today", f"YYYY-MM-DD; default: {DEFAULT_DAYS} days in all"
Ctx = NamedDependency[Context]


class SiteController(Controller):
    path = "/sites"
    tags = ["catalogue"]

    @get("/", sync_to_thread=True, summary="Sites (MPPs) served by this deployment")
    def sites(self, ctx: Ctx) -> list[SiteOut]:
        with ctx.db.read() as session:
            return [site_out(site, ctx.settings.ready_channels) for site in catalogue.list_sites(session)]

    @get("/{site:str}/agencies", sync_to_thread=True, summary="Agencies of a site", problems=["not_found"])
    def agencies(self, ctx: Ctx, site: FromPath[str]) -> list[AgencyOut]:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            return [agency_out(agency, count) for agency, count in catalogue.list_agencies(session, found)]

    @get(
        "/{site:str}/services",
        sync_to_thread=True,
        summary="Services of a site, by agency or search words",
        problems=["not_found"],
    )
    def services(
        self,
        ctx: Ctx,
        site: FromPath[str],
        agency: Annotated[str | None, QueryParameter(max_length=64)] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> list[ServiceOut]:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            return [service_out(service) for service in catalogue.list_services(session, found, agency, q)]

    @get(
        "/{site:str}/services/{code:str}/availability",
        sync_to_thread=True,
        summary="Open, full and closed days with free slots (at most 31 days)",
        problems=["not_found"],
    )
    def availability(
        self,
        ctx: Ctx,
        request: Request,
        site: FromPath[str],
        code: FromPath[str],
        from_: Annotated[str | None, QueryParameter(name="from", max_length=20, description=FIRST_DAY)] = None,
        to: Annotated[str | None, QueryParameter(name="to", max_length=20, description=LAST_DAY)] = None,
    ) -> AvailabilityOut:
        now = ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            first = parse_date("from", from_) or site_today(found, now)
            last = parse_date("to", to) or first + dt.timedelta(days=DEFAULT_DAYS - 1)
            offer = service_availability(session, found, code, first, last, now)
            return availability_out(offer, negotiate_language(request.headers.get("accept-language")))

    @post(
        "/{site:str}/bookings",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Book a slot; honours Idempotency-Key",
        problems=BOOKING_REFUSALS + ["not_found", "idempotency_conflict"],
        description=documented_notice(),
    )
    def create(
        self,
        ctx: Ctx,
        site: FromPath[str],
        data: JSONBody[BookingIn],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=255)] = None,
    ) -> Response[BookingOut]:
        request, request_hash = booking_request(data), idempotency.fingerprint(site, msgspec.to_builtins(data))

        def work(session, **terms) -> idempotency.Booked:
            found = catalogue.get_site(session, site)
            return idempotency.book_once(
                session, found, request, key=idempotency_key, request_hash=request_hash, **terms
            )

        return created(ctx, work)


def booking_request(data: BookingIn) -> BookingRequest:
    """The domain's request from the API's body (the citizen's own, or one booked on their behalf)."""
    return BookingRequest(
        service=data.service,
        start=data.start,
        nik=data.citizen.nik,
        name=data.citizen.name,
        phone=data.citizen.phone,
        email=data.citizen.email,
        channels=data.chosen_channels(),
        locale=data.locale,
        no_messages=data.no_messages,
        privacy_notice=data.privacy_notice if isinstance(data.privacy_notice, str) else None,
    )


def created(ctx: Context, book: Callable[..., idempotency.Booked]) -> Response[BookingOut]:
    """Run ``book(session, **terms)`` in one transaction and answer 201 with the booking and its manage link
    (a replay under the same Idempotency-Key says so in ``Idempotent-Replayed``); counted in the metrics."""
    terms = {
        "answer": lambda session, made: msgspec.to_builtins(
            booking_out(
                made.booking,
                ctx.settings.resolved_public_url,
                outbox.notifications_of(session, made.booking),
                visit_members(session, made.booking),
            )  # fmt: skip
        ),
        "now": ctx.clock(),
        "ttl": dt.timedelta(hours=ctx.settings.idempotency_ttl_hours),
        "secret_key": ctx.settings.resolved_secret_key,
        "channels_ready": ctx.settings.ready_channels,
    }
    try:
        booked = ctx.db.transaction(lambda session: book(session, **terms))
    except DomainError as refused:
        ctx.metrics.booking_refused(refused.code)
        raise
    if not booked.replayed:
        ctx.metrics.booking_made()
    headers = {"Idempotent-Replayed": "true"} if booked.replayed else {}
    body = _with_token(booked.body, booked.manage_token, ctx.settings.resolved_public_url)
    return Response(body, status_code=HTTP_201_CREATED, headers=headers)


def _with_token(body: dict, token: str, public_url: str) -> dict:
    return {**body, "manage_token": token, "manage_url": manage_link(public_url, body["code"], token)}
