"""The queue on the floor under ``/api/v1``: thin, ``booking.queue`` decides.

Public (the kiosk, the TV, the citizen's phone): ``POST /sites/{site}/arrivals``, ``GET /sites/{site}/queue``,
``GET /sites/{site}/tickets/{ticket}`` and the board's event stream ``GET /sites/{site}/queue/stream``
(``booking.http.events``). Staff (bearer): ``POST /staff/counters/{label}/call-next``, the
steps of a ticket under ``/staff/tickets/{ticket}/...`` and ``GET /staff/queue``. Every change is
announced after its commit (``Context.queue_changed``), so the display boards follow without polling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select

from booking import catalogue, queue
from booking.api.schemas import AgencyRef
from booking.availability import site_today
from booking.errors import FieldError, InvalidInput, NotFound
from booking.http.context import Context
from booking.http.events import KEEP_ALIVE_S, RETRY_MS, QueueEvents
from booking.models import Agency, Site, Ticket
from booking.staff import Principal, require_agency

Ctx = NamedDependency[Context]
Events = NamedDependency[QueueEvents]
Req = Request[Principal, object, object]
TICKET_STEP = ["not_found", "invalid_transition"]


class ArrivalIn(msgspec.Struct, forbid_unknown_fields=True):
    """A booked citizen gives ``code``; a walk-in gives ``service`` (and ``priority``, if any)."""

    code: str | None = None
    service: str | None = None
    priority: str | None = None


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    service: str


class TicketServiceRef(msgspec.Struct):
    code: str
    name: str


class TicketOut(msgspec.Struct, omit_defaults=True):
    ticket: str  # "DKP-012"
    kind: str  # booked / walk_in
    agency: AgencyRef
    service: TicketServiceRef
    status: str  # waiting / called / serving / done / missed
    position: int | None  # 1: called next (among its agency's waiting tickets); None once called
    ahead: int | None  # the people before it
    estimated_wait_minutes: int | None
    ticket_url: str  # the page where the citizen watches their turn
    priority: str | None = None
    counter: str | None = None  # where it is called to
    called_at: dt.datetime | None = None


class BoardCallOut(msgspec.Struct):
    ticket: str
    counter: str
    agency: str
    called_at: dt.datetime


class AgencyWaitingOut(msgspec.Struct):
    agency: str
    name: str
    prefix: str
    count: int


class QueueOut(msgspec.Struct):
    """What the hall's board shows: no personal data, ever."""

    calling: list[BoardCallOut]
    recent: list[BoardCallOut]
    waiting: list[AgencyWaitingOut]


STREAM_DESCRIPTION = f"""Server-Sent Events (`text/event-stream`) for the hall's display board; public, no
personal data. The stream opens with `retry: {RETRY_MS}` (a dropped display reconnects after that many
milliseconds) and a first message carrying the board as it stands, so a display that reconnects shows the
present at once. Then a message follows each change of the site's queue (changes that come together share
one), from whichever API process made it.

Each message is one `data:` line of JSON: `{{"changes": [...], "board": {{...}}}}`. `board` is what
`GET /sites/{{site}}/queue` answers. `changes` is empty in the first message; each change has `kind`
(`arrival`, `call`, `recall`, `start`, `done`, `missed`, `comeback`, `transfer`), `ticket`, `agency` (its
slug) and `counter` (a label, when the ticket is at one); a `call` or `recall` also has `say`, the sentence
to speak: `{{"kind": "call", "ticket": "A-012", "agency": "dukcapil", "counter": "Loket 3", "say": "Nomor
antrian a, nol satu dua. Silakan menuju loket tiga."}}`.

Every {KEEP_ALIVE_S:.0f} seconds a comment line (`: keep-alive`) and an event named `alive` (data `{{}}`) say
the line is alive, so a client that hears nothing for longer knows to reconnect; a client that handles only
unnamed messages (`onmessage`) never sees them. The stream does not end by itself; when the server stops it
ends, and the client reconnects."""


class WaitingTicketOut(msgspec.Struct, omit_defaults=True):
    ticket: str
    kind: str
    service: TicketServiceRef
    position: int
    queued_at: dt.datetime
    priority: str | None = None
    due_at: dt.datetime | None = None


class CounterNowOut(msgspec.Struct, omit_defaults=True):
    label: str
    ticket: str | None = None
    status: str | None = None


class StaffQueueOut(msgspec.Struct):
    agency: AgencyRef
    date: dt.date
    counters: list[CounterNowOut]
    waiting: list[WaitingTicketOut]


def ticket_out(ticket: Ticket, standing: queue.Standing, site: Site, public_url: str) -> TicketOut:
    zone = ZoneInfo(site.timezone)
    label = queue.ticket_label(ticket)
    return TicketOut(
        ticket=label,
        kind=ticket.kind,
        agency=AgencyRef(slug=ticket.agency.slug, name=ticket.agency.name),
        service=TicketServiceRef(code=ticket.service.code, name=ticket.service.name),
        status=str(ticket.status),
        position=None if standing.ahead is None else standing.ahead + 1,
        ahead=standing.ahead,
        estimated_wait_minutes=standing.estimated_wait_minutes,
        ticket_url=queue.ticket_link(public_url, site.slug, label),
        priority=ticket.priority,
        counter=ticket.counter.label if ticket.counter is not None else None,
        called_at=ticket.last_called_at.astimezone(zone) if ticket.last_called_at else None,
    )


def queue_out(board: queue.Board, zone: ZoneInfo) -> QueueOut:
    def call(entry: queue.BoardCall) -> BoardCallOut:
        return BoardCallOut(entry.ticket, entry.counter, entry.agency, entry.called_at.astimezone(zone))

    return QueueOut(
        calling=[call(entry) for entry in board.calling],
        recent=[call(entry) for entry in board.recent],
        waiting=[AgencyWaitingOut(w.agency, w.name, w.prefix, w.count) for w in board.waiting],
    )


class QueueController(Controller):
    path = "/sites/{site:str}"
    tags = ["queue"]

    @post(
        "/arrivals",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Take a queue ticket (the kiosk); a code scanned again answers 200 with its ticket",
        problems=["not_found", "closed", "wrong_day", "invalid_transition", "too_early", "walk_ins_full"],
    )
    def arrive(self, ctx: Ctx, site: FromPath[str], data: JSONBody[ArrivalIn]) -> Response[TicketOut]:
        if (data.code is None) == (data.service is None):
            raise InvalidInput([FieldError("code", "code_or_service")])
        now = ctx.clock()

        def work(session) -> tuple[TicketOut, bool, queue.QueueEvent]:
            found = catalogue.get_site(session, site)
            if data.code is not None:
                arrival = queue.arrive_with_code(session, found, data.code, priority=data.priority, now=now)
                ticket, new = arrival.ticket, arrival.new
            else:
                ticket, new = (
                    queue.arrive_walk_in(
                        session,
                        found,
                        data.service,
                        priority=data.priority,
                        now=now,
                        secret_key=ctx.settings.resolved_secret_key,
                    ),
                    True,
                )
            event = queue.queue_event("arrival", ticket)  # also a second scan, or a missed ticket come back
            return _ticket_answer(session, ctx, ticket, found, now), new, event

        answer, new, event = ctx.db.transaction(work)
        ctx.queue_changed(site, event)
        return Response(answer, status_code=HTTP_201_CREATED if new else HTTP_200_OK)

    @get(
        "/queue",
        sync_to_thread=True,
        summary="The board: tickets being called, the last calls, who waits",
        problems=["not_found"],
    )
    def board(self, ctx: Ctx, site: FromPath[str]) -> QueueOut:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            return queue_out(queue.board(session, found, ctx.clock()), ZoneInfo(found.timezone))

    @get(
        "/queue/stream",
        summary="The board as it changes: Server-Sent Events, the board first, then every change",
        description=STREAM_DESCRIPTION,
        problems=["not_found"],
        responses={
            200: ResponseSpec(
                str,
                media_type="text/event-stream",
                description="An endless event stream: `retry:`, the board, then its changes (see above)",
                generate_examples=False,
            )
        },
    )
    async def stream(self, ctx: Ctx, events: Events, site: FromPath[str]) -> Stream:
        await anyio.to_thread.run_sync(_known_site, ctx, site)  # an unknown site is a 404 before the stream
        return Stream(
            events.stream(site),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},  # nginx would hold the events
        )

    @get(
        "/tickets/{ticket:str}",
        sync_to_thread=True,
        summary="A ticket's status, place and estimated wait",
        problems=["not_found"],
    )
    def ticket(self, ctx: Ctx, site: FromPath[str], ticket: FromPath[str]) -> TicketOut:
        now = ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            return _ticket_answer(session, ctx, queue.ticket_by_label(session, found, ticket, now), found, now)


class StaffQueueController(Controller):
    path = "/staff"
    tags = ["queue"]

    @post(
        "/counters/{label:str}/call-next",
        sync_to_thread=True,
        status_code=200,
        summary="Panggil berikutnya",
        problems=["not_found", "counter_busy", "queue_empty"],
    )
    def call_next(self, ctx: Ctx, request: Req, label: FromPath[str]) -> TicketOut:
        return _step(
            ctx, request.user, "call", lambda session, now: queue.call_next(session, request.user, label, now=now)
        )

    @post(
        "/tickets/{ticket:str}/recall",
        sync_to_thread=True,
        status_code=200,
        summary="Panggil ulang",
        problems=TICKET_STEP,
    )
    def recall(self, ctx: Ctx, request: Req, ticket: FromPath[str]) -> TicketOut:
        return _step(
            ctx, request.user, "recall", lambda session, now: queue.recall(session, request.user, ticket, now=now)
        )

    @post(
        "/tickets/{ticket:str}/start",
        sync_to_thread=True,
        status_code=200,
        summary="Mulai layani",
        problems=TICKET_STEP,
    )
    def start(self, ctx: Ctx, request: Req, ticket: FromPath[str]) -> TicketOut:
        return _step(
            ctx, request.user, "start", lambda session, now: queue.start(session, request.user, ticket, now=now)
        )

    @post("/tickets/{ticket:str}/done", sync_to_thread=True, status_code=200, summary="Selesai", problems=TICKET_STEP)
    def done(self, ctx: Ctx, request: Req, ticket: FromPath[str]) -> TicketOut:
        return _step(
            ctx, request.user, "done", lambda session, now: queue.finish(session, request.user, ticket, now=now)
        )

    @post(
        "/tickets/{ticket:str}/missed",
        sync_to_thread=True,
        status_code=200,
        summary="Tidak hadir: after the site's number of recalls; the ticket may come back once",
        problems=TICKET_STEP,
    )
    def missed(self, ctx: Ctx, request: Req, ticket: FromPath[str]) -> TicketOut:
        return _step(
            ctx, request.user, "missed", lambda session, now: queue.miss(session, request.user, ticket, now=now)
        )

    @post(
        "/tickets/{ticket:str}/comeback",
        sync_to_thread=True,
        status_code=200,
        summary="A missed citizen is back",
        problems=TICKET_STEP,
    )
    def comeback(self, ctx: Ctx, request: Req, ticket: FromPath[str]) -> TicketOut:
        return _step(
            ctx,
            request.user,
            "comeback",
            lambda session, now: queue.come_back(session, request.user, ticket, now=now),
        )

    @post(
        "/tickets/{ticket:str}/transfer",
        sync_to_thread=True,
        status_code=200,
        summary="Alihkan: on to another service, keeping the citizen's place in the day",
        problems=[*TICKET_STEP, "closed"],
    )
    def transfer(self, ctx: Ctx, request: Req, ticket: FromPath[str], data: JSONBody[TransferIn]) -> TicketOut:
        return _step(
            ctx,
            request.user,
            "transfer",
            lambda session, now: queue.transfer(session, request.user, ticket, data.service, now=now),
        )

    @get(
        "/queue",
        sync_to_thread=True,
        summary="An agency's queue now: its counters and who waits, in order",
        problems=["not_found"],
    )
    def waiting(
        self, ctx: Ctx, request: Req, agency: Annotated[str | None, QueryParameter(max_length=64)] = None
    ) -> StaffQueueOut:
        now = ctx.clock()
        with ctx.db.read() as session:
            found = _agency_of(session, request.user, agency)
            site = session.get(Site, found.site_id)
            zone = ZoneInfo(site.timezone)
            waiting = queue.waiting_list(session, found, now)
            return StaffQueueOut(
                agency=AgencyRef(slug=found.slug, name=found.name),
                date=site_today(site, now),
                counters=[
                    CounterNowOut(label, queue.ticket_label(ticket) if ticket else None, ticket and str(ticket.status))
                    for label, ticket in queue.counters_now(session, found, now)
                ],
                waiting=[
                    WaitingTicketOut(
                        ticket=queue.ticket_label(ticket),
                        kind=ticket.kind,
                        service=TicketServiceRef(code=ticket.service.code, name=ticket.service.name),
                        position=position,
                        queued_at=ticket.queued_at.astimezone(zone),
                        priority=ticket.priority,
                        due_at=ticket.due_at.astimezone(zone) if ticket.due_at else None,
                    )
                    for position, ticket in enumerate(waiting, start=1)
                ],
            )


def _step(ctx: Context, principal: Principal, kind: str, work) -> TicketOut:
    now = ctx.clock()

    def run(session) -> tuple[TicketOut, str, queue.QueueEvent]:
        ticket = work(session, now)
        site = session.get(Site, ticket.site_id)
        session.refresh(ticket, ["agency", "service", "counter"])
        return _ticket_answer(session, ctx, ticket, site, now), site.slug, queue.queue_event(kind, ticket)

    answer, site_slug, event = ctx.db.transaction(run)
    ctx.queue_changed(site_slug, event)  # after the commit: a board never shows what was rolled back
    return answer


def board_reader(ctx: Context) -> Callable[[str], bytes]:
    """A site's board now, as the stream sends it (JSON of ``QueueOut``): what ``QueueEvents`` reads."""

    def read(site: str) -> bytes:
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            board = queue.board(session, found, ctx.clock())
            return msgspec.json.encode(queue_out(board, ZoneInfo(found.timezone)))

    return read


def _known_site(ctx: Context, site: str) -> None:
    with ctx.db.read() as session:
        catalogue.get_site(session, site)


def _ticket_answer(session, ctx: Context, ticket: Ticket, site: Site, now: dt.datetime) -> TicketOut:
    return ticket_out(ticket, queue.standing(session, ticket, now), site, ctx.settings.resolved_public_url)


def _agency_of(session, principal: Principal, slug: str | None) -> Agency:
    if slug is None and principal.agency_id is not None:
        agency = session.get(Agency, principal.agency_id)
    elif slug is None or catalogue.unusable_key(slug):
        agency = None
    else:
        agency = session.scalar(select(Agency).where(Agency.site_id == principal.site_id, Agency.slug == slug))
    if agency is None:
        raise NotFound(what="agency")
    require_agency(principal, agency.site_id, agency.id)
    return agency
