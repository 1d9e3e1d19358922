"""The citizen's waiting-list pages: join a full day's list, see one's place in line, answer an offer, leave.

Thin like the API: ``booking.waitlist`` decides. Plain forms posted with a CSRF token, no JavaScript, answered
with a redirect; a refused form is shown again with the API's wording. The entry's page is opened by the link's
token in its path (as in the offer message): ``/s/{site}/daftar-tunggu/{token}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter

from booking import catalogue, waitlist
from booking.availability import last_bookable_day, service_availability
from booking.bookings import display_code
from booking.errors import DomainError, FieldError, InvalidInput, NotFound, OfferExpired, OfferUsed
from booking.http.problems import problem_detail
from booking.models import Site
from booking.privacy_notice import PRIVACY_NOTICE_VERSION
from booking.web.base import Ctx, error_page, page_language, redirect, render, url_with
from booking.web.citizen import CHANNEL_CHOICES, clean_form, form_errors
from booking.web.words import Words
from notifications.render import format_span, format_when

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DateParam = Annotated[str | None, QueryParameter(max_length=20)]
DAYS_WAITED_CHOICES = (3, 7, 14)  # "the first free place within N days" offered on the form (N <= MAX_DAYS_WAITED)


class WaitlistPages(Controller):
    @get("/s/{site:str}/layanan/{code:str}/daftar-tunggu", sync_to_thread=True)
    def join_form(
        self, ctx: Ctx, request: Request, site: FromPath[str], code: FromPath[str], date: DateParam = None
    ) -> Response:
        form = {"service": code, "date": date or "", "until": "", "channels": ["sms"]}
        return self._form(ctx, request, site, form, errors={}, message=None)

    @post("/s/{site:str}/daftar-tunggu", sync_to_thread=True)
    def join(self, ctx: Ctx, request: Request, site: FromPath[str], data: Form) -> Response:
        form = {**clean_form(data), "date": str(data.get("date", ""))[:10], "until": str(data.get("until", ""))[:10]}
        now, secret = ctx.clock(), ctx.settings.resolved_secret_key
        try:
            day = dt.date.fromisoformat(form["date"])
        except ValueError:
            return error_page(request, 404, Words(page_language(request))("page_not_found"))
        asked = waitlist.WaitlistRequest(
            service=form["service"], date=day, nik=form["nik"], name=form["name"], phone=form["phone"],
            email=form["email"] or None, channels=tuple(form["channels"]), locale=page_language(request),
            privacy_notice=form["privacy_notice"] or None, until=_day_or_none(form["until"]),
        )  # fmt: skip

        def work(session) -> str:
            found = catalogue.get_site(session, site)
            if form["until"] and asked.until is None:  # not a date (the form only offers dates)
                raise InvalidInput([FieldError("until", "date_out_of_range")])
            joined = waitlist.join(
                session, found, asked, now=now, secret_key=secret, channels_ready=ctx.settings.ready_channels
            )
            return joined.token

        try:
            token = ctx.db.transaction(work)
        except DomainError as refused:
            if isinstance(refused, NotFound) and refused.params.get("what") == "site":
                raise
            errors, message = form_errors(refused, page_language(request), time_chosen=True)
            status = 422 if isinstance(refused, InvalidInput) else 409
            return self._form(ctx, request, site, form, errors=errors, message=message, status=status)
        return redirect(request, waitlist.entry_path(site, token))

    def _form(self, ctx, request, site: str, form: dict, *, errors, message, status: int = 200) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            service = catalogue.get_service(session, found, form["service"], offered_only=True)
            if service is None:
                return error_page(request, 404, words("page_not_found"))
            try:
                day = dt.date.fromisoformat(form["date"])
                offer = service_availability(session, found, service.code, day, day, now).days[0]
            except (ValueError, DomainError):
                return redirect(request, f"/s/{found.slug}/layanan/{service.code}")
            return render(
                request,
                "citizen/waitlist_join.html",
                status_code=status,
                site=found,
                service=service,
                day=day,
                day_label=words.day(day),
                day_full=offer.status == "full",
                until_choices=_until_choices(words, day, last_bookable_day(found, now)),
                calendar_url=url_with(f"/s/{found.slug}/layanan/{service.code}", date=day.isoformat()),
                channels=[channel for channel in CHANNEL_CHOICES if channel in _offered(found, ctx)],
                form=form,
                errors=errors,
                message=message,
                waitlist=True,
                privacy_notice=PRIVACY_NOTICE_VERSION,
                privacy_url=f"/s/{found.slug}/privasi",
            )

    @get("/s/{site:str}/daftar-tunggu/{token:str}", sync_to_thread=True)
    def entry(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str]) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        try:
            with ctx.db.read() as session:
                found = catalogue.get_site(session, site)
                entry = waitlist.entry_by_token(session, found, token, secret_key=ctx.settings.resolved_secret_key)
                return render(
                    request, "citizen/waitlist_entry.html", **_entry_context(session, words, entry, token, now)
                )
        except NotFound as refused:
            if refused.params.get("what") == "site":
                raise
            return error_page(request, 404, words("waitlist_not_found"))

    @post("/s/{site:str}/daftar-tunggu/{token:str}/terima", sync_to_thread=True)
    def accept(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str]) -> Response:
        secret = ctx.settings.resolved_secret_key

        def work(session):
            made = waitlist.accept(session, _entry(ctx, session, site, token), now=ctx.clock(), secret_key=secret)
            return made.booking.code, made.manage_token

        try:
            code, manage_token = ctx.db.transaction(work)
        except (NotFound, OfferUsed, OfferExpired) as refused:
            return _refused(request, refused)
        return redirect(request, url_with(f"/b/{display_code(code)}", token=manage_token, done="booked"))

    @post("/s/{site:str}/daftar-tunggu/{token:str}/tolak", sync_to_thread=True)
    def decline(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str]) -> Response:
        try:
            ctx.db.transaction(
                lambda session: waitlist.decline(session, _entry(ctx, session, site, token), now=ctx.clock())
            )
        except (NotFound, OfferUsed, OfferExpired) as refused:
            return _refused(request, refused)
        return redirect(request, waitlist.entry_path(site, token))

    @post("/s/{site:str}/daftar-tunggu/{token:str}/keluar", sync_to_thread=True)
    def leave(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str]) -> Response:
        words = Words(page_language(request))
        try:
            ctx.db.transaction(
                lambda session: waitlist.leave(session, _entry(ctx, session, site, token), now=ctx.clock())
            )
        except NotFound as refused:
            return _refused(request, refused)
        return render(request, "citizen/waitlist_left.html", message=words("waitlist_left"), site_slug=site)


def _day_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _until_choices(words: Words, day: dt.date, last_bookable: dt.date) -> list[tuple[str, str]]:
    """The form's "wait for": this day only, or the first free place up to N days on (within the booking window)."""
    choices = [("", words("waitlist_this_day_only"))]
    for days in DAYS_WAITED_CHOICES:
        until = day + dt.timedelta(days=days - 1)
        if until <= last_bookable:
            choices.append((until.isoformat(), words("waitlist_within_days", days=days, until=words.day(until))))
    return choices


def _days_label(words: Words, first: dt.date, last: dt.date) -> str:
    if first == last:
        return words.day(first)
    return words("waitlist_days", first=words.day(first), last=words.day(last))


def _entry(ctx, session, site: str, token: str):
    found = catalogue.get_site(session, site)
    return waitlist.entry_by_token(session, found, token, secret_key=ctx.settings.resolved_secret_key)


def _offered(site: Site, ctx) -> tuple[str, ...]:
    return catalogue.offered_channels(site, ctx.settings.ready_channels)


def _refused(request: Request, refused: DomainError) -> Response:
    words = Words(page_language(request))
    if isinstance(refused, NotFound):
        return error_page(request, 404, words("waitlist_not_found"))
    return error_page(
        request, 410 if isinstance(refused, OfferExpired) else 409, problem_detail(refused, words.language)
    )


def _entry_context(session, words: Words, entry, token: str, now: dt.datetime) -> dict:
    zone, hold = ZoneInfo(entry.site.timezone), entry.hold
    state = waitlist.offer_state(entry, now)
    path = waitlist.entry_path(entry.site.slug, token)
    return {
        "site": entry.site,
        "service": entry.service,
        "day_label": _days_label(words, entry.local_date, entry.last_date),
        "state": state,
        "position": waitlist.position(session, entry),
        "offer_span": format_span(hold.starts_at.astimezone(zone), hold.ends_at.astimezone(zone), words.language)
        if hold
        else None,
        "counter": hold.counter.label if hold else None,
        "held_until": format_when(hold.held_until.astimezone(zone), words.language)
        if hold and hold.held_until
        else None,
        "accept_url": f"{path}/terima",
        "decline_url": f"{path}/tolak",
        "leave_url": f"{path}/keluar",
        "entry_url": path,
    }
