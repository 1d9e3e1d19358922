"""The hall's display board, ``/display/{site}``: a TV (Chromium in kiosk mode) shows who is called to which
counter, the last calls, how many wait at each agency and the time, and calls each ticket out loud.

The page comes with the board as it stands, then follows the board's event stream
(``GET /api/v1/sites/{site}/queue/stream``, ``booking.http.events``) with EventSource, which reconnects by
itself after a network drop or a server restart and is sent the board again as it connects. Its script
is one file from /static: the page's CSP lets scripts, the stream and audio come from this server only.
No personal data, ever: the board knows ticket numbers, counters and agencies only.

Each call plays a chime and speaks the sentence of ``booking.announcements``: in the TV browser's own
Indonesian voice where it has one, otherwise as audio this server makes with espeak-ng (``booking.speech``)
at ``/display/{site}/speech/{ticket}-{counter}.wav``, for a ticket called to that counter today.
"""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from booking import catalogue, queue
from booking.announcements import announcement
from booking.errors import NotFound
from booking.http.context import Context
from booking.speech import Speech, SpeechUnavailable
from booking.web.base import render

log = logging.getLogger("booking.web.display")
Ctx = NamedDependency[Context]

# The board's page runs one script of ours, follows the stream and plays the server's audio: all from here.
DISPLAY_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; media-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SPOKEN_CALL = re.compile(r"^(?P<ticket>[A-Za-z]{1,4}-\d{1,4})-(?P<counter>[^/]{1,64})\.wav$")
AUDIO_CACHE_SECONDS = 7 * 24 * 3600  # the same ticket at the same counter is the same sentence every day


def stream_path(site_slug: str) -> str:
    return f"/api/v1/sites/{site_slug}/queue/stream"


class DisplayPages(Controller):
    path = "/display"

    @get("/{site:str}", sync_to_thread=True)
    def board(self, ctx: Ctx, request: Request, site: FromPath[str]) -> Response:
        now = ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            board = queue.board(session, found, now)
        zone = ZoneInfo(found.timezone)
        page = render(
            request,
            "display.html",
            site=found,
            board=board,
            now=now.astimezone(zone),
            now_ms=int(now.timestamp() * 1000),
            stream_url=stream_path(found.slug),
            speech_url=f"/display/{found.slug}/speech/",
        )
        page.headers["Content-Security-Policy"] = DISPLAY_CSP
        return page

    @get("/{site:str}/speech/{call:str}", sync_to_thread=True)
    def speech(self, ctx: Ctx, site: FromPath[str], call: FromPath[str]) -> Response:
        """The call of a ticket to a counter, spoken by espeak-ng: only for a ticket called there today."""
        match = SPOKEN_CALL.match(call)
        if match is None:
            raise NotFound(what="call")
        ticket, counter = match.group("ticket").upper(), match.group("counter")
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            called = queue.ticket_by_label(session, found, ticket, ctx.clock())
            if called.last_called_at is None or called.counter is None or called.counter.label != counter:
                raise NotFound(what="call")
        try:
            audio = Speech(ctx.settings.data_dir / "speech").wav(announcement(ticket, counter).spoken)
        except SpeechUnavailable as problem:
            log.warning("no spoken call for the display: %s", problem)
            return Response(b"", status_code=503, media_type="audio/wav", headers={"Retry-After": "60"})
        return Response(
            audio, media_type="audio/wav", headers={"Cache-Control": f"public, max-age={AUDIO_CACHE_SECONDS}"}
        )
