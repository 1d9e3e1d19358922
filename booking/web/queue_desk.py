"""The clerk's queue under ``/staff/antrian``: their counter, the ticket at it, who waits in order, and the
buttons of the day: *Panggil berikutnya*, *Panggil ulang*, *Mulai layani*, *Selesai*, *Tidak hadir*,
*Kembali*, *Alihkan*; and a ticket issued at the desk for a booking code or a walk-in.

Thin like the API's ``/staff/counters/...`` and ``/staff/tickets/...``: ``booking.queue`` decides, with the
same checks (a clerk touches only their agency's counters and tickets). Every button is a small form with
the page router's CSRF token, answered with a redirect back to the queue and a sentence saying what
happened; a refusal shows the queue again with the domain's own words and nothing changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy import select

from booking import catalogue, queue
from booking.availability import site_today
from booking.errors import DomainError, NotFound
from booking.models import Agency, Counter, CounterService, Site, Ticket
from booking.staff import Principal
from booking.web.base import Ctx, page_language, redirect, refusal_text, render, url_with
from booking.web.kiosk import walk_in_once
from booking.web.staff import Clerk, NotSignedIn, signed_in_clerk, to_sign_in
from booking.web.words import Words

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Text = Annotated[str | None, QueryParameter(max_length=64)]
COUNTER_COOKIE = "antrian_loket"  # the counter a clerk chose last, by id: the queue opens on it
COUNTER_COOKIE_SECONDS = 16 * 3600  # a working day
STEPS = {
    "panggil-ulang": ("recall", queue.recall),
    "mulai": ("start", queue.start),
    "selesai": ("done", queue.finish),
    "tidak-hadir": ("missed", queue.miss),
    "kembali": ("comeback", queue.come_back),
}
NOTICES = ("call", "recall", "start", "done", "missed", "comeback", "transfer")
ISSUED = ("issued", "issued_again", "issued_twice")  # a ticket made at the desk, or found made before


@dataclass(frozen=True)
class Desk:
    """A clerk's counter now: what the page shows and which buttons it offers."""

    counter: Counter
    agency: Agency
    current: Ticket | None
    waiting: list[Ticket]
    next_here: int | None  # the id of the ticket "Panggil berikutnya" takes at this counter
    missed: list[Ticket]
    others: list[tuple[str, Ticket | None]]


class QueueDesk(Controller):
    path = "/staff/antrian"
    dependencies = {"clerk": Provide(signed_in_clerk, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/", sync_to_thread=True)
    def desk(
        self, ctx: Ctx, request: Request, clerk: Clerk, loket: Text = None, done: Text = None, tiket: Text = None
    ) -> Response:
        return self._page(ctx, request, clerk, loket, notice=(done, tiket))

    @post("/panggil", sync_to_thread=True)
    def call_next(self, ctx: Ctx, request: Request, clerk: Clerk, data: Form) -> Response:
        label = _text(data, "loket")
        return self._change(
            ctx, request, clerk, label, "call", lambda session, now: queue.call_next(session, clerk, label, now=now)
        )

    @post("/tiket/{ticket:str}/alihkan", sync_to_thread=True)
    def transfer(self, ctx: Ctx, request: Request, clerk: Clerk, ticket: FromPath[str], data: Form) -> Response:
        service = _text(data, "service")
        return self._change(
            ctx,
            request,
            clerk,
            _text(data, "loket"),
            "transfer",
            lambda session, now: queue.transfer(session, clerk, ticket, service, now=now),
        )

    @post("/tiket/{ticket:str}/{step:str}", sync_to_thread=True)
    def step(
        self, ctx: Ctx, request: Request, clerk: Clerk, ticket: FromPath[str], step: FromPath[str], data: Form
    ) -> Response:
        if step not in STEPS:
            raise NotFound(what="page")
        name, action = STEPS[step]
        counter = _text(data, "loket")
        return self._change(
            ctx, request, clerk, counter, name, lambda session, now: action(session, clerk, ticket, now=now)
        )

    @post("/ambil", sync_to_thread=True)
    def issue(self, ctx: Ctx, request: Request, clerk: Clerk, data: Form) -> Response:
        """A ticket made at the desk: for a booking code, or for a walk-in (anonymous, like the kiosk's)."""
        code, service, priority = _text(data, "code"), _text(data, "service"), _text(data, "priority") or None
        form_key = _text(data, "form_key") or secrets.token_urlsafe(16)

        def work(session, now) -> tuple[Ticket, str]:
            site = session.get(Site, clerk.site_id)
            if code:
                arrival = queue.arrive_with_code(session, site, code, priority=priority, now=now)
                return arrival.ticket, "issued" if arrival.new else "issued_again"
            ticket, new = walk_in_once(session, site, service, priority, form_key, now=now, settings=ctx.settings)
            return ticket, "issued" if new else "issued_twice"  # the same form sent twice: its one ticket

        return self._change(ctx, request, clerk, _text(data, "loket"), "issued", work)

    def _change(self, ctx, request, clerk: Principal, counter_label: str, done: str, work) -> Response:
        """One step in one transaction, then the boards are told and the clerk sees the queue again.
        ``work`` gives the ticket it changed (or the ticket and what the desk should say)."""
        now = ctx.clock()

        def run(session) -> tuple[str, str, str, queue.QueueEvent]:
            ticket, said = _with_notice(work(session, now), done)
            session.refresh(ticket, ["agency", "service", "counter"])
            event = queue.queue_event("arrival" if said in ISSUED else said, ticket)
            return queue.ticket_label(ticket), said, session.get(Site, ticket.site_id).slug, event

        try:
            label, said, site_slug, event = ctx.db.transaction(run)
        except DomainError as refused:
            return self._page(ctx, request, clerk, counter_label, refused=refused)
        ctx.queue_changed(site_slug, event)  # after the commit: the boards call it out
        return redirect(request, _desk_url(counter_label, said, label))

    def _page(self, ctx, request, clerk: Principal, counter_label, *, notice=(None, None), refused=None) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            counters = _counters(session, clerk)
            counter = _chosen(counters, counter_label, request.cookies.get(COUNTER_COOKIE))
            desk = _desk(session, counter, now) if counter is not None else None
            agency = desk.agency if desk else session.get(Agency, clerk.agency_id) if clerk.agency_id else None
            services = catalogue.list_services(session, site, agency.slug) if agency else []
            everywhere = catalogue.list_services(session, site) if desk and desk.current else []
            message = _notice(session, site, words, notice, counter, now)
            zone = ZoneInfo(site.timezone)
            page = render(
                request,
                "staff/queue.html",
                status_code=_status_of(refused),
                clerk=clerk,
                site=site,
                today=site_today(site, now),
                counters=counters,
                counter=counter,
                desk=desk,
                agency=agency,
                services=services,
                transfer_to=[service for service in everywhere if service.id != desk.current.service_id]
                if everywhere
                else [],
                priorities=queue.PRIORITY_GROUPS,
                recalls_before_missed=site.recalls_before_missed,
                label=queue.ticket_label,
                local_time=lambda moment: words.clock(moment.astimezone(zone)),
                notice=message,
                issued=notice[1] if message and notice[0] in ISSUED else None,
                form_key=secrets.token_urlsafe(16),
                alert=refusal_text(refused, words.language),
            )
        if counter is not None and request.cookies.get(COUNTER_COOKIE) != str(counter.id):
            page.cookies.append(
                Cookie(
                    key=COUNTER_COOKIE,
                    value=str(counter.id),
                    max_age=COUNTER_COOKIE_SECONDS,
                    path="/staff",
                    httponly=True,
                    samesite="strict",
                    secure=ctx.settings.resolved_public_url.startswith("https://"),
                )
            )
        return page


def _with_notice(result, done: str) -> tuple[Ticket, str]:
    return result if isinstance(result, tuple) else (result, done)


def _desk_url(counter_label: str, done: str, ticket: str) -> str:
    return url_with("/staff/antrian", loket=counter_label or None, done=done, tiket=ticket)


@dataclass(frozen=True)
class Choice:
    counter: Counter
    agency: Agency

    @property
    def id(self) -> int:
        return self.counter.id

    @property
    def label(self) -> str:
        return self.counter.label


def _counters(session, clerk: Principal) -> list[Choice]:
    """The counters a clerk may work at: their agency's, or every counter of an admin's site."""
    query = (
        select(Counter, Agency)
        .join(Agency, Agency.id == Counter.agency_id)
        .where(Counter.site_id == clerk.site_id)
        .order_by(Agency.sort_order, Agency.slug, Counter.label)
    )
    if not clerk.is_admin:
        query = query.where(Counter.agency_id == clerk.agency_id)
    return [Choice(counter, agency) for counter, agency in session.execute(query)]


def _chosen(counters: list[Choice], label: str | None, remembered: str | None) -> Choice | None:
    """The counter asked for in the address, else the one chosen last, else the only one there is."""
    by_label = next((choice for choice in counters if choice.label == label), None)
    by_cookie = next((choice for choice in counters if str(choice.id) == remembered), None)
    return by_label or by_cookie or (counters[0] if len(counters) == 1 else None)


def _desk(session, choice: Choice, now) -> Desk:
    counter, agency = choice.counter, choice.agency
    others = queue.counters_now(session, agency, now)
    current = next((ticket for label, ticket in others if label == counter.label), None)
    waiting = queue.waiting_list(session, agency, now)
    served_here = set(session.scalars(select(CounterService.service_id).where(CounterService.counter_id == counter.id)))
    next_here = next((ticket.id for ticket in waiting if ticket.service_id in served_here), None)
    return Desk(
        counter=counter,
        agency=agency,
        current=current,
        waiting=waiting,
        next_here=next_here,
        missed=queue.missed_list(session, agency, now),
        others=[(label, ticket) for label, ticket in others if label != counter.label],
    )


def _notice(session, site: Site, words: Words, notice: tuple, counter: Choice | None, now) -> str | None:
    done, label = notice
    if done not in (*NOTICES, *ISSUED) or not label:
        return None
    params: dict[str, str] = {"ticket": label}
    if done == "call":
        params["counter"] = counter.label if counter else ""
    if done == "transfer":
        try:
            params["service"] = queue.ticket_by_label(session, site, label, now).service.name
        except NotFound:
            return None
    return words(f"done_{done}", **params)


def _status_of(refused: DomainError | None) -> int:
    if refused is None:
        return 200
    return {"validation_error": 422, "not_found": 404, "forbidden": 403, "busy": 503}.get(refused.code, 409)


def _text(data: dict[str, Any], name: str, limit: int = 64) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1]
    return str(value).strip()[:limit]
