"""Booking on a citizen's behalf from the staff pages (``/staff/pesan``): a clerk at the front desk books a
future slot for a citizen in front of them, for their own agency (an admin: any agency of the site).

One form, no JavaScript: the service and the day are chosen with a GET (the day's free times appear), then the
citizen's NIK, name, optional phone or e-mail and how to reach them are posted with a CSRF token and the form's
own idempotency key, so a double tap books once. ``booking.assisted`` decides, through the citizen's own
booking path; a refused form is shown again with the API's wording by each field. The answer is the booking
code and the manage link, large, to hand over or print for the citizen.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from booking import assisted, catalogue, idempotency
from booking.availability import earliest_bookable_start, service_availability
from booking.bookings import BookingRequest, booking_by_code, display_code, manage_link
from booking.errors import DomainError, Forbidden, IdempotencyConflict, InvalidInput, NotFound
from booking.http.context import Context
from booking.http.params import parse_date
from booking.models import Agency, Service, Site
from booking.privacy_notice import PRIVACY_NOTICE_VERSION
from booking.web.base import page_language, render
from booking.web.citizen import CHANNEL_CHOICES, clean_form, form_errors, times_offered
from booking.web.staff import Clerk, Form, NotSignedIn, StaffPages, signed_in_clerk, to_sign_in
from booking.web.words import Words
from notifications.render import format_span, zone_abbreviation

Ctx = NamedDependency[Context]
Pick = Annotated[str | None, QueryParameter(max_length=64)]
PAGE = "/staff/pesan"


class AssistedBookingPages(Controller):
    path = "/staff"
    dependencies = {"clerk": Provide(signed_in_clerk, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/pesan", sync_to_thread=True)
    def form(
        self, ctx: Ctx, request: Request, clerk: Clerk, agency: Pick = None, service: Pick = None, date: Pick = None
    ) -> Response:
        form = {"service": service or "", "date": date or "", "channels": ["sms"]}
        form["form_key"] = secrets.token_urlsafe(16)
        return self._form_page(ctx, request, clerk, agency, form, errors={})

    @post("/pesan", sync_to_thread=True)
    def book(self, ctx: Ctx, request: Request, clerk: Clerk, data: Form) -> Response:
        form = {**clean_form(data), "date": str(data.get("date", ""))[:20], "agency": str(data.get("agency", ""))[:64]}
        language, now = page_language(request), ctx.clock()
        wanted = BookingRequest(
            service=form["service"],
            start=form["start"],
            nik=form["nik"],
            name=form["name"],
            phone=form["phone"],
            email=form["email"] or None,
            channels=tuple(form["channels"]),
            locale=language,
            no_messages=form["no_messages"],
            privacy_notice=form["privacy_notice"] or None,  # the version the clerk read out to the citizen
        )
        fingerprint = idempotency.fingerprint(
            f"staff:{clerk.user_id}", {k: v for k, v in form.items() if k not in ("form_key", "date", "agency")}
        )

        def work(session) -> idempotency.Booked:
            site = session.get(Site, clerk.site_id)
            return assisted.book_for_citizen(
                session, clerk, site.slug, wanted, key=form["form_key"], request_hash=fingerprint,
                answer=lambda _session, made: {"code": made.booking.code}, now=now,
                ttl=dt.timedelta(hours=ctx.settings.idempotency_ttl_hours),
                secret_key=ctx.settings.resolved_secret_key, channels_ready=ctx.settings.ready_channels,
            )  # fmt: skip

        try:
            booked = ctx.db.transaction(work)
        except (NotFound, Forbidden):
            raise
        except DomainError as refused:
            ctx.metrics.booking_refused(refused.code)
            errors, message = form_errors(refused, language, time_chosen=bool(form["start"]))
            if isinstance(refused, IdempotencyConflict):
                form, message = {**form, "form_key": secrets.token_urlsafe(16)}, Words(language)("form_sent_before")
            status = 422 if isinstance(refused, InvalidInput) else 409
            return self._form_page(
                ctx, request, clerk, form["agency"] or None, form, errors=errors, message=message, status=status
            )
        if not booked.replayed:
            ctx.metrics.booking_made()
        return self._done_page(ctx, request, clerk, booked)

    def _form_page(self, ctx, request, clerk, agency_slug, form, *, errors, message=None, status=200) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            agencies = StaffPages._agencies(session, clerk)
            service = _chosen_service(session, site, form.get("service", ""), agencies)
            agency = service.agency if service else _chosen_agency(agencies, agency_slug)
            services = catalogue.list_services(session, site, agency.slug) if agency else []
            zone = ZoneInfo(site.timezone)
            offered = catalogue.offered_channels(site, ctx.settings.ready_channels)
            first_day = earliest_bookable_start(site, now).astimezone(zone).date()
            try:
                day = parse_date("date", form.get("date")) or first_day
            except InvalidInput:
                day = first_day
            offer = service_availability(session, site, service.code, day, day, now).days[0] if service else None
            times = times_offered(words, site, offer) if offer else []
            return render(
                request,
                "staff/assisted.html",
                status_code=status,
                clerk=clerk,
                site=site,
                agency=agency,
                agencies=agencies,
                services=services,
                service=service,
                day=day,
                offer=offer,
                reason=offer.reason(words.language) if offer and offer.reason else None,
                times=times,
                zone=zone_abbreviation(dt.datetime.combine(day, dt.time(12), zone)),
                channels=[channel for channel in CHANNEL_CHOICES if channel in offered],
                form=form,
                errors=errors,
                message=message,
                privacy_notice=PRIVACY_NOTICE_VERSION,
            )

    def _done_page(self, ctx, request, clerk, booked: idempotency.Booked) -> Response:
        words = Words(page_language(request))
        with ctx.db.read() as session:
            booking = booking_by_code(session, booked.body["code"])
            zone = ZoneInfo(booking.site.timezone)
            starts, ends = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
            return render(
                request,
                "staff/assisted_done.html",
                clerk=clerk,
                code=display_code(booking.code),
                service=booking.service,
                counter=booking.counter.label,
                when=format_span(starts, ends, words.language),
                manage_url=manage_link(ctx.settings.resolved_public_url, booking.code, booked.manage_token),
                channels=", ".join(words.channel(channel) for channel in booking.channels),
                booked_by=assisted.booked_by_name(booking),
                day=booking.local_date,
                agency=booking.service.agency,
            )


def _chosen_service(session, site: Site, code: str, agencies: list[Agency]) -> Service | None:
    """The service asked for, if it is on offer and of an agency the clerk may book for."""
    service = catalogue.get_service(session, site, code, offered_only=True) if code else None
    return service if service is not None and service.agency_id in {a.id for a in agencies} else None


def _chosen_agency(agencies: list[Agency], slug: str | None) -> Agency | None:
    return next((a for a in agencies if a.slug == slug), agencies[0] if agencies else None)
