"""The citizen's pages: find a service, pick a day and a time, book, and manage the booking by its link.

Thin like the API's controllers: every rule (the booking window, capacity, the citizen checks, the one
booking per citizen per day, cancel and reschedule) is the domain's, called exactly as the API calls it.
Forms are plain HTML posted with a CSRF token and answered with a redirect (POST-redirect-GET); a
refused form is shown again with the citizen's input and the API's wording next to each field.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from markupsafe import Markup

from booking import catalogue, idempotency, outbox, personal_data
from booking.availability import DayOffer, last_bookable_day, service_availability, site_today
from booking.bookings import (
    BookingRequest,
    booking_for_holder,
    cancel_booking,
    display_code,
    get_booking,
    manage_link,
    parse_start,
    reschedule_booking,
    visit_members,
)
from booking.citizens import shown_citizen
from booking.errors import DomainError, FieldError, IdempotencyConflict, InvalidInput, NotFound
from booking.http.context import Context
from booking.http.problems import problem_detail
from booking.messages import FIELD_ERRORS, PERSONAL_DATA_PURPOSES
from booking.models import Booking, BookingStatus, NotificationStatus, Service, Site
from booking.privacy_notice import PRIVACY_NOTICE_VERSION, notice_paragraphs
from booking.web.base import page_language, redirect, refusal_text, render, url_with
from booking.web.words import Words
from notifications.ics import calendar_file
from notifications.render import format_span, format_when, zone_abbreviation

Ctx = NamedDependency[Context]
FromDay = Annotated[str | None, QueryParameter(name="from", max_length=20)]
Query = Annotated[str | None, QueryParameter(max_length=100)]
Token = Annotated[str, QueryParameter(max_length=200)]
Start = Annotated[str, QueryParameter(max_length=64)]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

DAYS_SHOWN = 14
CHANNEL_CHOICES = ("sms", "whatsapp", "email")
# Where a domain field error is shown on the booking form.
FORM_FIELDS = {"citizen.nik": "nik", "citizen.name": "name", "citizen.phone": "phone", "citizen.email": "email"}
# Refusals after which the same day's fresh times are offered again.
DONE_NOTICES = ("booked", "cancelled", "rescheduled")
OVER = (BookingStatus.cancelled, BookingStatus.served, BookingStatus.no_show)
TRY_ANOTHER_TIME = {"slot_full", "quota_exhausted", "closed", "validation_error"}


@dataclass(frozen=True)
class TimeChoice:
    start: str  # ISO 8601 with the site's offset, as the API shows it and the domain reads it
    label: str
    remaining: int


@dataclass(frozen=True)
class DayChoice:
    date: dt.date
    status: str
    label: str
    reason: str | None


class CitizenPages(Controller):
    @get("/", sync_to_thread=True)
    def sites(self, ctx: Ctx, request: Request) -> Response:
        with ctx.db.read() as session:
            sites = catalogue.list_sites(session)
        if len(sites) == 1:
            return redirect(request, url_with(f"/s/{sites[0].slug}", lang=request.query_params.get("lang")))
        return render(request, "citizen/sites.html", sites=sites)

    @get("/s/{site:str}", sync_to_thread=True)
    def services(self, ctx: Ctx, request: Request, site: FromPath[str], q: Query = None, agency: Query = None) -> Any:
        query, agency = (q or "").strip()[:100], (agency or "").strip()[:64]
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            agencies = catalogue.list_agencies(session, found)
            services = catalogue.list_services(session, found, agency, query) if (query or agency) else []
            several_sites = len(catalogue.list_sites(session)) > 1
        chosen_agency = next((a for a, _ in agencies if a.slug == agency), None)
        return render(
            request,
            "citizen/services.html",
            site=found,
            agencies=agencies,
            services=services,
            query=query,
            chosen_agency=chosen_agency,
            several_sites=several_sites,
        )

    @get("/s/{site:str}/privasi", sync_to_thread=True)
    def privacy(self, ctx: Ctx, request: Request, site: FromPath[str]) -> Any:
        """The full privacy notice, with the site's retention and contact."""
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
        paragraphs = notice_paragraphs(found, page_language(request))
        version = PRIVACY_NOTICE_VERSION
        return render(request, "citizen/privacy.html", site=found, paragraphs=paragraphs, version=version)

    @get("/s/{site:str}/layanan/{code:str}", sync_to_thread=True)
    def service(
        self,
        ctx: Ctx,
        request: Request,
        site: FromPath[str],
        code: FromPath[str],
        from_: FromDay = None,
        date: Query = None,
    ) -> Any:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            service = _service(session, found, code)
            first = _window_start(found, now, date_or_none(from_))
            offer = service_availability(session, found, service.code, first, _window_end(found, now, first), now)
        chosen = _chosen_day(offer.days, date_or_none(date))
        here = f"/s/{found.slug}/layanan/{service.code}"
        return render(
            request,
            "citizen/service.html",
            site=found,
            service=service,
            **_calendar(words, found, offer.days, chosen, here, first, now),
            times=times_offered(words, found, chosen) if chosen else [],
            book_url=f"{here}/pesan",
            # a full day: its waiting list, so a freed place is offered rather than found by reloading
            waitlist_url=url_with(f"{here}/daftar-tunggu", date=chosen.date.isoformat())
            if chosen and chosen.status == "full"
            else None,
        )

    @get("/s/{site:str}/layanan/{code:str}/pesan", sync_to_thread=True)
    def booking_form(
        self, ctx: Ctx, request: Request, site: FromPath[str], code: FromPath[str], start: Start = ""
    ) -> Any:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            service = _service(session, found, code)
            context = _form_context(
                request, session, found, service, start, ctx.clock(), ready=ctx.settings.ready_channels
            )
        if context is None:  # no usable time in the address: back to the calendar
            return redirect(request, f"/s/{found.slug}/layanan/{service.code}")
        form = {"channels": context["channels"][:1], "form_key": secrets.token_urlsafe(16)}
        return render(request, "citizen/book.html", form=form, errors={}, message=None, **context)

    @post("/s/{site:str}/bookings", sync_to_thread=True)
    def book(self, ctx: Ctx, request: Request, site: FromPath[str], data: Form) -> Any:
        """The form's booking: counted by the same rate limit as the API's (this path ends in /bookings)."""
        form = clean_form(data)
        language, now, secret = page_language(request), ctx.clock(), ctx.settings.resolved_secret_key
        booking_request = BookingRequest(
            service=form["service"],
            start=form["start"],
            nik=form["nik"],
            name=form["name"],
            phone=form["phone"],
            email=form["email"] or None,
            channels=tuple(form["channels"]),
            locale=language,
            no_messages=form["no_messages"],
            privacy_notice=form["privacy_notice"] or None,  # the version the form showed
        )
        fingerprint = idempotency.fingerprint(f"web:{site}", {k: v for k, v in form.items() if k != "form_key"})
        ttl = dt.timedelta(hours=ctx.settings.idempotency_ttl_hours)

        def work(session) -> idempotency.Booked:
            found = catalogue.get_site(session, site)
            # The form's own key: a double tap or a resend after a lost answer opens the same booking.
            return idempotency.book_once(
                session, found, booking_request, key=form["form_key"], request_hash=fingerprint,
                answer=lambda _session, made: {"code": display_code(made.booking.code)},
                now=now, ttl=ttl, secret_key=secret, channels_ready=ctx.settings.ready_channels,
            )  # fmt: skip

        try:
            booked = ctx.db.transaction(work)
        except NotFound:
            raise
        except DomainError as refused:
            ctx.metrics.booking_refused(refused.code)
            return self._form_again(ctx, request, site, form, refused)
        if not booked.replayed:
            ctx.metrics.booking_made()
        code, token = booked.body["code"], booked.manage_token
        return redirect(request, url_with(f"/b/{code}", token=token, done="booked"))

    def _form_again(self, ctx: Context, request: Request, site: str, form: dict, refused: DomainError) -> Any:
        language = page_language(request)
        errors, message = form_errors(refused, language, time_chosen=bool(form["start"]))
        if isinstance(refused, IdempotencyConflict):  # the API's words name a header no citizen has seen
            form, message = {**form, "form_key": secrets.token_urlsafe(16)}, Words(language)("form_sent_before")
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            service = _service(session, found, form["service"])
            asked = form["start"] or form["asked"]
            context = _form_context(
                request, session, found, service, asked, ctx.clock(), refused=refused, ready=ctx.settings.ready_channels
            )
        if context is None:
            return redirect(request, f"/s/{found.slug}/layanan/{service.code}")
        switch = url_with(f"/s/{found.slug}/layanan/{service.code}/pesan", start=asked, lang=_other(language))
        return render(
            request,
            "citizen/book.html",
            status_code=422 if isinstance(refused, InvalidInput) else 409,
            switch_url=switch,
            form=form,
            errors=errors,
            message=message,
            **context,
        )

    @get("/b/{code:str}", sync_to_thread=True)
    def booking(self, ctx: Ctx, request: Request, code: FromPath[str], token: Token = "", done: Query = None) -> Any:
        return self._booking_page(ctx, request, code, token, done=done if done in DONE_NOTICES else None)

    @get("/b/{code:str}/kalender.ics", sync_to_thread=True)
    def calendar(self, ctx: Ctx, request: Request, code: FromPath[str], token: Token = "") -> Response:
        words = Words(page_language(request))
        with ctx.db.read() as session:
            booking = get_booking(session, code, token)
        kind = "booking_cancelled" if booking.status == BookingStatus.cancelled else "booking_confirmed"
        body = calendar_file(
            kind,
            code=display_code(booking.code),
            start=booking.starts_at,
            end=booking.ends_at,
            summary=f"{booking.service.name} ({display_code(booking.code)})",
            location=f"{booking.site.name}, {booking.counter.label}. {booking.site.address}",
            description=f"{words('booking_code')}: {display_code(booking.code)}\n{booking.service.agency.name}",
            now=ctx.clock(),
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="antrian-{booking.code}.ics"'},
        )

    @get("/b/{code:str}/batal", sync_to_thread=True)
    def cancel_form(self, ctx: Ctx, request: Request, code: FromPath[str], token: Token = "") -> Any:
        return self._question_page(ctx, request, code, token, "citizen/cancel.html", only_if_changeable=True)

    @post("/b/{code:str}/batal", sync_to_thread=True)
    def cancel(self, ctx: Ctx, request: Request, code: FromPath[str], data: Form) -> Any:
        token = form_text(data, "token")

        def work(session) -> Booking:
            return cancel_booking(session, get_booking(session, code, token), now=ctx.clock())

        try:
            booking = ctx.db.transaction(work)
        except NotFound:
            raise
        except DomainError as refused:
            return self._booking_page(ctx, request, code, token, refused=refused)
        return redirect(request, url_with(f"/b/{display_code(booking.code)}", token=token, done="cancelled"))

    @get("/b/{code:str}/data-pribadi", sync_to_thread=True)
    def my_data(self, ctx: Ctx, request: Request, code: FromPath[str], token: Token = "") -> Any:
        """What is held about the citizen and why; its holder still reads it (nothing held) once erased."""
        words = Words(page_language(request))
        with ctx.db.read() as session:
            booking = booking_for_holder(session, code, token)
            held = personal_data.held_data(booking)
            members = visit_members(session, booking)  # a visit's lead: its link stands for their data too
            return render(
                request, "citizen/my_data.html", **_data_context(words, held, token), members=members,
                member_zone=ZoneInfo(booking.site.timezone),
            )

    @get("/b/{code:str}/hapus-data", sync_to_thread=True)
    def erase_form(self, ctx: Ctx, request: Request, code: FromPath[str], token: Token = "") -> Any:
        return self._question_page(ctx, request, code, token, "citizen/erase.html")

    @post("/b/{code:str}/hapus-data", sync_to_thread=True)
    def erase(self, ctx: Ctx, request: Request, code: FromPath[str], data: Form) -> Any:
        token = form_text(data, "token")

        def work(session) -> Booking:
            booking = booking_for_holder(session, code, token)
            secret = ctx.settings.resolved_secret_key
            return personal_data.erase_on_request(session, booking, now=ctx.clock(), secret_key=secret)

        booking = ctx.db.transaction(work)
        return redirect(request, url_with(f"/b/{display_code(booking.code)}/data-pribadi", token=token))

    @get("/b/{code:str}/jadwal-ulang", sync_to_thread=True)
    def reschedule_form(
        self,
        ctx: Ctx,
        request: Request,
        code: FromPath[str],
        token: Token = "",
        from_: FromDay = None,
        date: Query = None,
    ) -> Any:
        return self._reschedule_page(ctx, request, code, token, date_or_none(from_), date_or_none(date), None)

    @post("/b/{code:str}/jadwal-ulang", sync_to_thread=True)
    def reschedule(self, ctx: Ctx, request: Request, code: FromPath[str], data: Form) -> Any:
        token, start = form_text(data, "token"), form_text(data, "start")

        def work(session) -> Booking:
            booking = get_booking(session, code, token)
            return reschedule_booking(session, booking, start, now=ctx.clock())

        try:
            booking = ctx.db.transaction(work)
        except NotFound:
            raise
        except DomainError as refused:
            day = _start_day(start)
            return self._reschedule_page(ctx, request, code, token, day, day, refused)
        return redirect(request, url_with(f"/b/{display_code(booking.code)}", token=token, done="rescheduled"))

    def _reschedule_page(self, ctx, request, code, token, first, day, refused: DomainError | None) -> Any:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            booking = get_booking(session, code, token)
            site = booking.site
            first = _window_start(site, now, first)
            changeable = _changeable(booking, now)
            if changeable:
                last = _window_end(site, now, first)
                offer = service_availability(session, site, booking.service.code, first, last, now)
        if not changeable:  # no times to offer a booking that can no longer move
            return self._unchangeable(ctx, request, booking, token, refused)
        chosen = _chosen_day(offer.days, day)
        here = f"/b/{display_code(booking.code)}/jadwal-ulang"
        calendar = _calendar(words, site, offer.days, chosen, here, first, now, token=token)
        switch = url_with(
            here, token=token, date=chosen.date.isoformat() if chosen else None, lang=_other(words.language)
        )
        return render(
            request,
            "citizen/reschedule.html",
            status_code=200 if refused is None else 409,
            switch_url=switch,
            message=refusal_text(refused, words.language),
            times=[time for time in times_offered(words, site, chosen) if time.start != _iso(booking.starts_at, site)]
            if chosen
            else [],
            **calendar,
            **_booking_context(ctx, words, booking, token, []),
        )

    def _unchangeable(self, ctx, request, booking: Booking, token: str, refused: DomainError | None) -> Any:
        if refused is None:
            return redirect(request, url_with(f"/b/{display_code(booking.code)}", token=token))
        return self._booking_page(ctx, request, booking.code, token, refused=refused)

    def _question_page(
        self, ctx: Context, request: Request, code: str, token: str, template: str, *, only_if_changeable=False
    ) -> Any:
        """A page that asks before a step that cannot be undone (cancel, erase): the booking and a form. A cancel
        asked of a booking that can no longer change shows the booking as it stands instead."""
        words = Words(page_language(request))
        with ctx.db.read() as session:
            booking = get_booking(session, code, token)
            members = visit_members(session, booking)
        if only_if_changeable and not _changeable(booking, ctx.clock()):
            return redirect(request, url_with(f"/b/{display_code(booking.code)}", token=token))
        return render(request, template, **_booking_context(ctx, words, booking, token, [], members))

    def _booking_page(
        self, ctx: Context, request: Request, code: str, token: str, *, done=None, refused: DomainError | None = None
    ) -> Any:
        words = Words(page_language(request))
        with ctx.db.read() as session:
            booking = get_booking(session, code, token)
            notifications = outbox.notifications_of(session, booking)
            members = visit_members(session, booking)
        return render(
            request,
            "citizen/booking.html",
            status_code=200 if refused is None else 409,
            switch_url=url_with(
                f"/b/{display_code(booking.code)}", token=token, done=done, lang=_other(words.language)
            ),
            done=done,
            message=refusal_text(refused, words.language),
            **_booking_context(ctx, words, booking, token, notifications, members),
        )


def _service(session, site: Site, code: str) -> Service:
    service = catalogue.get_service(session, site, code, offered_only=True)
    if service is None:
        raise NotFound(what="service")
    return service


def date_or_none(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None  # a page is forgiving: a mangled date in the address shows the default days


def _start_day(start: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(start).date()
    except ValueError:
        return None


def _window_start(site: Site, now: dt.datetime, wanted: dt.date | None) -> dt.date:
    """The first day shown: never before today nor past the last bookable day."""
    today = site_today(site, now)
    return min(max(wanted or today, today), last_bookable_day(site, now))


def _window_end(site: Site, now: dt.datetime, first: dt.date) -> dt.date:
    return min(first + dt.timedelta(days=DAYS_SHOWN - 1), last_bookable_day(site, now))


def _chosen_day(days: list[DayOffer], wanted: dt.date | None) -> DayOffer | None:
    """The day whose times are shown: the one asked for, else the first open one."""
    open_days = [day for day in days if day.status == "open"]
    asked = next((day for day in days if day.date == wanted), None)
    return asked or (open_days[0] if open_days else None)


def _calendar(words: Words, site, days, chosen, here: str, first: dt.date, now, token: str | None = None) -> dict:
    today, last = site_today(site, now), last_bookable_day(site, now)
    earlier = first - dt.timedelta(days=DAYS_SHOWN) if first > today else None
    later = first + dt.timedelta(days=DAYS_SHOWN) if first + dt.timedelta(days=DAYS_SHOWN) <= last else None
    return {
        "days": [
            DayChoice(
                date=day.date,
                status=day.status,
                label=words.short_day(day.date),
                reason=day.reason(words.language) if day.reason else None,
            )
            for day in days
        ],
        "chosen_day": chosen.date if chosen else None,
        "chosen_day_label": words.day(chosen.date) if chosen else None,
        "chosen_day_reason": chosen.reason(words.language) if chosen and chosen.reason else None,
        "day_url": lambda day: url_with(here, token=token, **{"from": first.isoformat()}, date=day.isoformat()),
        "earlier_url": url_with(here, token=token, **{"from": max(earlier, today).isoformat()}) if earlier else None,
        "later_url": url_with(here, token=token, **{"from": later.isoformat()}) if later else None,
        "zone": zone_abbreviation(dt.datetime.combine(first, dt.time(12), ZoneInfo(site.timezone))),
    }


def _iso(moment: dt.datetime, site: Site) -> str:
    return moment.astimezone(ZoneInfo(site.timezone)).isoformat()


def times_offered(words: Words, site: Site, day: DayOffer) -> list[TimeChoice]:
    zone = ZoneInfo(site.timezone)
    return [
        TimeChoice(
            start=_iso(slot.starts_at, site),
            label=words.clock(slot.starts_at.astimezone(zone)),
            remaining=slot.remaining,
        )
        for slot in day.slots
        if slot.remaining > 0
    ]


def _form_context(
    request, session, site: Site, service: Service, start: str, now, refused=None, *, ready: tuple[str, ...]
) -> dict | None:
    """What the booking form shows around the fields: the service, and the chosen time or, when that time
    cannot be had (anymore), the day's free times to choose from."""
    words = Words(page_language(request))
    try:
        start_at = parse_start(start, ZoneInfo(site.timezone))
    except InvalidInput:
        return None
    day = start_at.astimezone(ZoneInfo(site.timezone)).date()
    offer = service_availability(session, site, service.code, day, day, now).days[0]
    chosen = next((slot for slot in offer.slots if slot.starts_at == start_at and slot.remaining > 0), None)
    if refused is not None and refused.code in TRY_ANOTHER_TIME and _time_refused(refused):
        chosen = None
    zone = ZoneInfo(site.timezone)
    offered = catalogue.offered_channels(site, ready)
    return {
        "site": site,
        "service": service,
        "channels": [channel for channel in CHANNEL_CHOICES if channel in offered],  # only what the site offers
        "start": _iso(chosen.starts_at, site) if chosen else None,
        "asked": _iso(start_at, site),  # the time first chosen: its day's times are offered again
        "chosen_label": format_span(chosen.starts_at.astimezone(zone), chosen.ends_at.astimezone(zone), words.language)
        if chosen
        else None,
        "day_label": words.day(day),
        "times": [] if chosen else times_offered(words, site, offer),
        "zone": zone_abbreviation(start_at.astimezone(zone)),
        "calendar_url": url_with(f"/s/{site.slug}/layanan/{service.code}", date=day.isoformat()),
        "privacy_notice": PRIVACY_NOTICE_VERSION,
        "privacy_url": f"/s/{site.slug}/privasi",
    }


def _time_refused(refused: DomainError) -> bool:
    """Whether the refusal was about the time (then a fresh choice of times is offered)."""
    if isinstance(refused, InvalidInput):
        return any(error.field == "start" for error in refused.errors)
    return True


def clean_form(data: dict[str, Any]) -> dict[str, Any]:
    channels = data.get("channels", [])
    channels = [channels] if isinstance(channels, str) else list(channels)
    names = ("service", "start", "asked", "nik", "name", "phone", "email", "form_key", "privacy_notice")
    form = {name: form_text(data, name) for name in names}
    form["channels"] = [channel[:16] for channel in channels[: len(CHANNEL_CHOICES)]]
    form["no_messages"] = form_text(data, "no_messages") == "yes"
    form["form_key"] = form["form_key"] or secrets.token_urlsafe(16)
    return form


def form_text(data: dict[str, Any], name: str, limit: int = 300) -> str:
    value = data.get(name, "")
    if isinstance(value, list):  # a field sent twice: the last one counts, as in a browser
        value = value[-1]
    return str(value).strip()[:limit]


def form_errors(refused: DomainError, language: str, *, time_chosen: bool) -> tuple[dict[str, str], str]:
    """Field errors placed next to their fields, in the API's wording, and the message above the form."""
    if not isinstance(refused, InvalidInput):
        return {}, problem_detail(refused, language)
    errors: dict[str, str] = {}
    for error in refused.errors:
        if error.field == "start" and not time_chosen:
            error = FieldError("start", "required")
        field = "channels" if error.field.startswith("channels") else FORM_FIELDS.get(error.field, error.field)
        errors.setdefault(field, _field_text(error, language))
    unplaced = [text for field, text in errors.items() if field not in (*FORM_FIELDS.values(), "channels", "start")]
    words = Words(language)
    return errors, " ".join([words("form_has_errors"), *unplaced])


def _field_text(error: FieldError, language: str) -> str:
    return FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(language, **error.params)


def _other(language: str) -> str:
    return "en" if language == "id" else "id"


def _changeable(booking: Booking, now: dt.datetime) -> bool:
    """Whether the citizen may still cancel or move it: confirmed and not yet begun."""
    return booking.status == BookingStatus.confirmed and booking.starts_at > now


def _booking_context(
    ctx: Context, words: Words, booking: Booking, token: str, notifications, members: list[Booking] = ()
) -> dict:
    """What the booking's pages show; a visit's lead with every booking of the visit (``members``)."""
    zone = ZoneInfo(booking.site.timezone)
    code = display_code(booking.code)
    qr = segno.make_qr(code, error="m").svg_inline(
        border=2, omitsize=True, title=words("qr_title", code=code), svgclass="qr"
    )
    link = f"/b/{code}"
    return {
        "booking": booking,
        "code": code,
        "qr_svg": Markup(qr.replace("<svg ", '<svg role="img" ', 1)),
        "when": format_span(booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone), words.language),
        "status_label": words.status(booking.status),
        "changeable": _changeable(booking, ctx.clock()),
        # a visit moves whole or not at all: cancel it and book again
        "reschedulable": _changeable(booking, ctx.clock()) and booking.visit_lead_id is None,
        "visit": [_visit_line(words, member, zone) for member in ([booking, *members] if members else [])],
        # over: no code to show at a counter, nothing to bring, no calendar entry; a new booking instead
        "over": booking.status in OVER,
        "no_messages": not booking.channels,
        "book_again_url": f"/s/{booking.site.slug}/layanan/{booking.service.code}",
        "token": token,
        "manage_url": manage_link(ctx.settings.resolved_public_url, booking.code, token),
        "booking_url": url_with(link, token=token),
        "calendar_url": url_with(f"{link}/kalender.ics", token=token),
        "cancel_url": url_with(f"{link}/batal", token=token),
        "reschedule_url": url_with(f"{link}/jadwal-ulang", token=token),
        "my_data_url": url_with(f"{link}/data-pribadi", token=token),
        "erase_url": url_with(f"{link}/hapus-data", token=token),
        "privacy_url": f"/s/{booking.site.slug}/privasi",
        "notifications": [
            {
                "kind": words.kind(row.kind),
                "channel": words.channel(row.channel),
                "status": words.status(
                    NotificationStatus.pending if row.status == NotificationStatus.sending else row.status
                ),
                "send_at": format_when(row.send_at.astimezone(zone), words.language),
            }
            for row in notifications
        ],
    }


def _visit_line(words: Words, member: Booking, zone: ZoneInfo) -> dict:
    return {
        "code": display_code(member.code),
        "service": member.service.name,
        "agency": member.service.agency.name,
        "when": format_span(member.starts_at.astimezone(zone), member.ends_at.astimezone(zone), words.language),
        "counter": member.counter.label,
        "who": shown_citizen(member).name or "-",
        "status": words.status(member.status),
    }


def _data_context(words: Words, held: personal_data.HeldData, token: str) -> dict:
    booking = held.booking
    zone = ZoneInfo(booking.site.timezone)
    link = f"/b/{display_code(booking.code)}"
    accepted = booking.privacy_notice_accepted_at
    erased = booking.personal_data_erased_at
    return {
        "booking": booking,
        "code": display_code(booking.code),
        "held": held,
        "purposes": [PERSONAL_DATA_PURPOSES[purpose](words.language) for purpose in held.purposes],
        "notice_accepted": format_when(accepted.astimezone(zone), words.language) if accepted else None,
        "erase_after": words.day(held.erase_after.astimezone(zone).date()),
        "erased_at": format_when(erased.astimezone(zone), words.language) if erased else None,
        "booking_url": url_with(link, token=token),
        "erase_url": url_with(f"{link}/hapus-data", token=token),
        "privacy_url": f"/s/{booking.site.slug}/privasi",
    }
