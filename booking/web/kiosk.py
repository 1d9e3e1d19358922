"""The kiosk at the entrance (``/kiosk/{site}``) and the ticket's own page (``/t/{site}/{ticket}``).

A citizen who booked types (or a scanner types) their code; a walk-in chooses agency, service and, if
they belong to one, a priority group. ``booking.queue`` decides everything, exactly as for the API's
``POST /sites/{site}/arrivals``: one code gives one ticket however often it is sent, and a walk-in's form
carries a key of its own (``booking.idempotency``), so a double tap or a resend after a lost answer shows
the same ticket instead of making a second one.

The forms post without JavaScript. The kiosk pages load one small script (``static/kiosk.js``, allowed by
their own Content-Security-Policy): it sends a form in the background and, when the network is gone,
says so in the page's language instead of the browser's error page; it also prints the ticket. The
ticket's page runs no script: it reloads itself every 20 seconds (an HTTP ``Refresh`` header, with a link
that turns it off) and prints on a 58 mm receipt printer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from markupsafe import Markup
from sqlalchemy.orm import Session

from booking import catalogue, idempotency, queue, survey
from booking.errors import DomainError, IdempotencyConflict, NotFound, WalkInsFull
from booking.models import Agency, Site, Ticket, TicketStatus
from booking.web.base import SECURITY_HEADERS, Ctx, page_language, redirect, refusal_text, render, url_with
from booking.web.words import Words
from notifications.render import format_when

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Switch = Annotated[str | None, QueryParameter(max_length=1)]

# The kiosk's pages may run their one script from this server and send their forms to it; nothing else.
KIOSK_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
TICKET_REFRESH_SECONDS = 20
KIOSK_BACK_TO_START_SECONDS = 90  # the result page returns to the start for the next citizen


def ticket_view(session: Session, site: Site, ticket: Ticket, words: Words, public_url: str, now: dt.datetime) -> dict:
    """What a ticket shows wherever it is shown (kiosk, the citizen's phone, the clerk's print): no name,
    no booking code, nothing personal."""
    label = queue.ticket_label(ticket)
    standing = queue.standing(session, ticket, now)
    url = queue.ticket_link(public_url, site.slug, label)
    zone = ZoneInfo(site.timezone)
    counter = ticket.counter.label if ticket.counter is not None else ""
    status_text = {
        TicketStatus.waiting: words("ticket_waiting"),
        TicketStatus.called: words("ticket_called", counter=counter),
        TicketStatus.serving: words("ticket_serving", counter=counter),
        TicketStatus.done: words("ticket_done"),
        TicketStatus.missed: words("ticket_missed"),
    }[TicketStatus(ticket.status)]
    booking = ticket.booking
    wait = standing.estimated_wait_minutes
    return {
        "label": label,
        "agency": ticket.agency.name,
        "service": ticket.service.name,
        "status": str(ticket.status),
        "status_text": status_text,
        "ahead": standing.ahead,
        "wait": _wait_words(words, wait),
        "kind": words("ticket_booked_at", time=words.clock(ticket.due_at.astimezone(zone)))
        if ticket.due_at is not None
        else words("ticket_walk_in"),
        # a booked citizen who came too late keeps their booking but queues with the walk-ins
        "late": ticket.leg == 0 and ticket.kind == "walk_in" and booking is not None and not booking.walk_in,
        "priority": words(f"priority_{ticket.priority}") if ticket.priority else None,
        "taken": words.clock(ticket.arrived_at.astimezone(zone)),
        "url": url,
        "path": f"/t/{site.slug}/{label}",
        "qr_svg": qr_svg(url, words("ticket_qr", ticket=label)),
    }


def walk_in_once(
    session: Session, site: Site, service: str, priority: str | None, form_key: str, *, now: dt.datetime, settings
) -> tuple[Ticket, bool]:
    """A walk-in's ticket for a form, once: the form's key sent again (a double tap, a resend after a lost
    answer) gives the ticket it made, not a second one. The ticket, and whether it is new."""
    fingerprint = idempotency.fingerprint(f"walk-in:{site.slug}", {"service": service, "priority": priority})
    ttl = dt.timedelta(hours=settings.idempotency_ttl_hours)
    secret = settings.resolved_secret_key
    replay = idempotency.claim(session, form_key, fingerprint, now=now, ttl=ttl, secret_key=secret)
    if replay is not None:
        return queue.ticket_by_label(session, site, replay.body["ticket"], now), False
    ticket = queue.arrive_walk_in(session, site, service, priority=priority, now=now, secret_key=secret)
    idempotency.remember(session, form_key, booking_id=ticket.booking_id, body={"ticket": queue.ticket_label(ticket)})
    return ticket, True


class KioskPages(Controller):
    @get("/kiosk/{site:str}", sync_to_thread=True)
    def start(self, ctx: Ctx, request: Request, site: FromPath[str]) -> Response:
        return self._start_page(ctx, request, site, code="", refused=None)

    @get("/kiosk/{site:str}/instansi/{agency:str}", sync_to_thread=True)
    def agency(self, ctx: Ctx, request: Request, site: FromPath[str], agency: FromPath[str]) -> Response:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            chosen = _agency(session, found, agency)
            services = catalogue.list_services(session, found, chosen.slug)
        return _kiosk(render(request, "queue/kiosk_agency.html", site=found, agency=chosen, services=services))

    @get("/kiosk/{site:str}/layanan/{code:str}", sync_to_thread=True)
    def service(self, ctx: Ctx, request: Request, site: FromPath[str], code: FromPath[str]) -> Response:
        return self._service_page(ctx, request, site, code, refused=None)

    @post("/kiosk/{site:str}/tiket", sync_to_thread=True)
    def take(self, ctx: Ctx, request: Request, site: FromPath[str], data: Form) -> Response:
        """A booked citizen's code, or a walk-in's service (and priority): the ticket, then its page."""
        code, service = _text(data, "code", 64), _text(data, "service", 64)
        priority = _text(data, "priority", 16) or None
        form_key = _text(data, "form_key", 64) or secrets.token_urlsafe(16)  # a form without one: no replay
        now = ctx.clock()

        def work(session) -> tuple[str, bool, queue.QueueEvent]:
            found = catalogue.get_site(session, site)
            if code:
                arrival = queue.arrive_with_code(session, found, code, now=now)
                ticket, new = arrival.ticket, arrival.new
            else:
                ticket, new = walk_in_once(session, found, service, priority, form_key, now=now, settings=ctx.settings)
            # as the API's arrivals: a second scan too (it may bring a missed ticket back)
            return queue.ticket_label(ticket), new, queue.queue_event("arrival", ticket)

        if not code and not service:
            return self._start_page(ctx, request, site, code="", refused=None, status=422, missing=True)
        try:
            label, new, event = ctx.db.transaction(work)
        except DomainError as refused:
            if code:
                return self._start_page(ctx, request, site, code=code, refused=refused)
            if isinstance(refused, NotFound) and refused.params.get("what") == "site":
                raise
            return self._service_page(ctx, request, site, service, refused=refused)
        ctx.queue_changed(site, event)  # after the commit: the boards follow
        again = None if new or not code else "1"
        return redirect(request, url_with(f"/kiosk/{site}/tiket/{label}", lagi=again))

    @get("/kiosk/{site:str}/tiket/{ticket:str}", sync_to_thread=True)
    def taken(self, ctx: Ctx, request: Request, site: FromPath[str], ticket: FromPath[str]) -> Response:
        """The kiosk's answer: the ticket, large, to print or to follow by its QR code."""
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            shown = queue.ticket_by_label(session, found, ticket, now)
            view = ticket_view(session, found, shown, words, ctx.settings.resolved_public_url, now)
        again = request.query_params.get("lagi") == "1"
        page = _kiosk(render(request, "queue/kiosk_ticket.html", site=found, ticket=view, again=again))
        # the next citizen finds the start again, in Indonesian whatever this one chose
        page.headers["Refresh"] = f"{KIOSK_BACK_TO_START_SECONDS}; url=/kiosk/{found.slug}?lang=id"
        return page

    @get("/t/{site:str}/{ticket:str}", sync_to_thread=True)
    def ticket(
        self, ctx: Ctx, request: Request, site: FromPath[str], ticket: FromPath[str], otomatis: Switch = None
    ) -> Response:
        """The ticket's page, on the citizen's phone: where they stand, reloaded every 20 seconds unless the
        citizen turned that off (``?otomatis=0``: WCAG 2.2.1, a page that changes by itself can be stopped)."""
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            shown = queue.ticket_by_label(session, found, ticket, now)
            view = ticket_view(session, found, shown, words, ctx.settings.resolved_public_url, now)
            survey_url = _survey_link(session, found, shown, ctx.settings, now)
        automatic = otomatis != "0" and survey_url is None  # served: nothing changes any more
        page = render(
            request,
            "queue/ticket.html",
            site=found,
            ticket=view,
            automatic=automatic,
            refresh_seconds=TICKET_REFRESH_SECONDS,
            stop_url=url_with(view["path"], otomatis="0"),
            survey_url=survey_url,
            survey_qr=qr_svg(survey_url, words("ticket_survey_qr", ticket=view["label"])) if survey_url else None,
        )
        if automatic:  # the HTTP form of <meta http-equiv="refresh">: no script needed, and it can be turned off
            page.headers["Refresh"] = str(TICKET_REFRESH_SECONDS)
        return page

    def _start_page(self, ctx, request, site: str, *, code: str, refused, status: int | None = None, missing=False):
        words = Words(page_language(request))
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            agencies = catalogue.list_agencies(session, found)
        message = refusal_text(refused, words.language)
        if missing:
            message = words("kiosk_code_label")
        elif isinstance(refused, NotFound):  # the code of no booking at this site
            message = words("kiosk_code_unknown", code=code)
        page = render(
            request,
            "queue/kiosk.html",
            status_code=status or _status_of(refused),
            switch_url=url_with(f"/kiosk/{found.slug}", lang=_other(words.language)),
            site=found,
            agencies=[agency for agency, count in agencies if count],
            code=code,
            message=message,
        )
        return _kiosk(page)

    def _service_page(self, ctx, request, site: str, code: str, *, refused: DomainError | None) -> Response:
        words = Words(page_language(request))
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            service = catalogue.get_service(session, found, code, offered_only=True)
            if service is None:
                raise NotFound(what="service")
            agency = service.agency
        message = refusal_text(refused, words.language)
        if isinstance(refused, IdempotencyConflict):  # a header no citizen has seen: say it plainly
            message = words("form_sent_before")
        book_url = next_online = book_qr = None
        if isinstance(refused, WalkInsFull):
            if refused.next_online:
                start = dt.datetime.fromisoformat(refused.next_online)
                next_online = words("kiosk_walk_ins_next", when=format_when(start, words.language))
                book_url = url_with(
                    f"{ctx.settings.resolved_public_url}/s/{found.slug}/layanan/{service.code}",
                    date=start.date().isoformat(),
                )
                qr = segno.make_qr(book_url, error="m").svg_inline(
                    border=2, omitsize=True, title=words("kiosk_book_qr", service=service.name), svgclass="qr"
                )
                book_qr = Markup(qr.replace("<svg ", '<svg role="img" ', 1))
            else:
                next_online = words("kiosk_walk_ins_none", days=found.max_days_ahead)
        page = render(
            request,
            "queue/kiosk_service.html",
            status_code=_status_of(refused),
            switch_url=url_with(f"/kiosk/{found.slug}/layanan/{service.code}", lang=_other(words.language)),
            site=found,
            agency=agency,
            service=service,
            priorities=queue.PRIORITY_GROUPS,
            # nothing to press when no ticket can be had today; a busy server or an old form may try again
            can_take=refused is None or refused.code not in ("walk_ins_full", "closed"),
            form_key=secrets.token_urlsafe(16),
            message=message,
            next_online=next_online,
            book_url=book_url,
            book_qr=book_qr,
        )
        return _kiosk(page)


def _survey_link(session: Session, site: Site, ticket: Ticket, settings, now: dt.datetime) -> str | None:
    """The survey of the ticket's visit once it is done: what a walk-in without a phone answers here."""
    found = survey.survey_after_ticket(session, ticket, now)
    if found is None:
        return None
    token = survey.survey_token(settings.resolved_secret_key, found.public_id)
    return f"{settings.resolved_public_url}{survey.survey_path(site.slug, token)}"


def qr_svg(url: str, title: str) -> Markup:
    """A QR code of ``url`` as inline SVG (no request, no script), named for screen readers."""
    qr = segno.make_qr(url, error="m").svg_inline(border=2, omitsize=True, title=title, svgclass="qr")
    return Markup(qr.replace("<svg ", '<svg role="img" ', 1))


def _wait_words(words: Words, minutes: int | None) -> str | None:
    if minutes is None:  # no longer waiting
        return None
    return words("ticket_wait_minutes", minutes=minutes) if minutes else words("ticket_wait_soon")


def _kiosk(page: Response) -> Response:
    page.headers.update({**SECURITY_HEADERS, "Content-Security-Policy": KIOSK_CONTENT_SECURITY_POLICY})
    return page


def _agency(session, site: Site, slug: str) -> Agency:
    found = next((agency for agency, _ in catalogue.list_agencies(session, site) if agency.slug == slug), None)
    if found is None:
        raise NotFound(what="agency")
    return found


def _status_of(refused: DomainError | None) -> int:
    if refused is None:
        return 200
    return {"validation_error": 422, "not_found": 404, "busy": 503}.get(refused.code, 409)


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name, "")
    if isinstance(value, list):  # a field sent twice: the last one counts, as in a browser
        value = value[-1]
    return str(value).strip()[:limit]


def _other(language: str) -> str:
    return "en" if language == "id" else "id"
