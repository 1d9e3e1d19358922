"""The hall's display board in Debian's Chromium, as a TV in kiosk mode runs it (sound allowed without a tap),
against a real server on the test's clock (tests/inprocess_server.py):

- a clerk calls through the staff API and the board shows the call (the delay is printed, never asserted),
  plays the server's spoken call (Chromium here has no Indonesian voice), and axe-core finds nothing
  serious on it;
- where the TV has an Indonesian voice, the board speaks the server's sentence with it instead;
- the server stops and starts again on the same port, the board reconnects by itself and shows a call
  made while it was away.
"""

from __future__ import annotations

import os
import time

import httpx
import pytest
from sqlalchemy import select

from booking import queue
from booking.announcements import announcement
from booking.http.app import create_app
from booking.models import StaffUser
from booking.staff import principal_of
from tests.factories import add_agency, bearer, make_site, make_staff
from tests.inprocess_server import serving
from tests.queue.conftest import local
from tests.queue.test_announcements import espeak_or_skip
from tests.server import free_port
from tests.web.conftest import AXE_SOURCE, CHROMIUM, CHROMIUM_ARGS, serious_violations, shot

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
TV = {"width": 1920, "height": 1080}
KIOSK_ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]  # as the README starts the TV
WAIT_MS = 60_000
# A TV whose browser has an Indonesian voice: the Web Speech API as Chromium offers it, with one "id-ID" voice.
INDONESIAN_VOICE = """
window.__spoken = [];
const voice = {name: "Bahasa Indonesia", lang: "id-ID", voiceURI: "id-ID", localService: true, default: false};
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", {value: {
  getVoices: () => [voice],
  speak: (utterance) => {
    window.__spoken.push({text: utterance.text, lang: utterance.lang, voice: utterance.voice && utterance.voice.name});
    setTimeout(() => utterance.onend && utterance.onend(), 10);
  },
  cancel: () => {},
}});
"""


@pytest.fixture(scope="module")
def tv():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — CI=true requires it")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=KIOSK_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def hall(settings, db, clock):
    """The test site at 08:00 with two walk-ins waiting at dukcapil and one at samsat, and a clerk."""
    make_site(db)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    clock.now = local(8, 0)
    return settings, db, clock


def arrive(api: httpx.Client, service: str = "KTP") -> str:
    answer = api.post("/api/v1/sites/uji/arrivals", json={"service": service})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def call_next(api: httpx.Client, clerk: dict, counter: str) -> str:
    answer = api.post(f"/api/v1/staff/counters/{counter}/call-next", headers=clerk)
    assert answer.status_code == 200, answer.text
    return answer.json()["ticket"]


def open_board(browser, base: str, **context_options):
    context = browser.new_context(viewport=TV, **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(f"{message.text} {message.location}") if message.type == "error" else None,
    )
    page.goto(f"{base}/display/uji")
    page.wait_for_selector("body[data-state=live]", timeout=WAIT_MS)
    return context, page, errors


def showing(ticket: str, counter: str) -> str:
    return f'#calling li[data-ticket="{ticket}"][data-counter="{counter}"]'


def test_a_clerks_call_shows_on_the_board_at_once_and_is_called_out(tv, hall):
    espeak_or_skip()
    settings, db, clock = hall
    with serving(create_app(settings, db=db, clock=clock)) as base, httpx.Client(base_url=base, timeout=60) as api:
        first, _ = arrive(api), arrive(api)
        arrive(api, service="PKB")
        clerk = bearer(api, "ani")
        context, page, errors = open_board(tv, base)
        assert page.locator("#waiting tr[data-agency=dukcapil] td.count").inner_text() == "2"
        assert page.locator("#clock").inner_text() == "08.00"  # the site's time, from the server's clock

        started = time.monotonic()
        with page.expect_response(lambda r: "/display/uji/speech/" in r.url, timeout=WAIT_MS) as spoken:
            assert call_next(api, clerk, "Loket 1") == first
            page.wait_for_selector(showing(first, "Loket 1"), timeout=WAIT_MS)
            shown_after = time.monotonic() - started
        print(f"\ncall to board: {shown_after * 1000:.0f} ms (clerk's request included)")

        audio = spoken.value
        assert audio.url.endswith(f"/display/uji/speech/{first}-Loket%201.wav")
        assert audio.status == 200 and audio.headers["content-type"] == "audio/wav"
        assert audio.body()[:4] == b"RIFF"
        assert page.locator("#waiting tr[data-agency=dukcapil] td.count").inner_text() == "1"
        assert page.locator("#recent li").first.get_attribute("data-ticket") == first
        size = page.locator(".call.newest .ticket").evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
        assert size >= TV["height"] / 10, f"the called ticket is {size}px high on a 1080p TV"
        shot(page, "display-board")
        assert page.locator("#sound-on").is_hidden()  # the kiosk's Chromium plays sound without a tap
        assert errors == [], errors
        context.close()

        # axe-core needs its script injected: only this second look at the board lifts the page's CSP
        checked, page, _ = open_board(tv, base, bypass_csp=True)
        page.wait_for_selector(showing(first, "Loket 1"), timeout=WAIT_MS)
        serious = serious_violations(page, AXE_SOURCE.read_text())
        assert serious == [], serious
        checked.close()


def test_a_tv_with_an_indonesian_voice_speaks_the_call_itself(tv, hall):
    settings, db, clock = hall
    with serving(create_app(settings, db=db, clock=clock)) as base, httpx.Client(base_url=base, timeout=60) as api:
        first = arrive(api)
        clerk = bearer(api, "ani")
        context = tv.new_context(viewport=TV)
        context.add_init_script(INDONESIAN_VOICE)
        page = context.new_page()
        asked_for_audio: list[str] = []
        page.on("request", lambda request: asked_for_audio.append(request.url) if "/speech/" in request.url else None)
        page.goto(f"{base}/display/uji")
        page.wait_for_selector("body[data-state=live]", timeout=WAIT_MS)

        assert call_next(api, clerk, "Loket 2") == first
        page.wait_for_function("() => window.__spoken.length > 0", timeout=WAIT_MS)
        spoken = page.evaluate("window.__spoken")
        assert spoken == [{"text": announcement(first, "Loket 2").spoken, "lang": "id-ID", "voice": "Bahasa Indonesia"}]
        assert asked_for_audio == []  # the TV's own voice: nothing asked of the server
        context.close()


def test_after_the_server_restarts_the_board_reconnects_and_shows_the_present(tv, hall):
    settings, db, clock = hall
    port = free_port()
    with (
        serving(create_app(settings, db=db, clock=clock), port=port, grace_s=1) as base,
        httpx.Client(base_url=base, timeout=60) as api,
    ):
        first, second = arrive(api), arrive(api)
        clerk = bearer(api, "ani")
        context, page, errors = open_board(tv, base)
        assert call_next(api, clerk, "Loket 1") == first
        page.wait_for_selector(showing(first, "Loket 1"), timeout=WAIT_MS)

    # The server is gone: the board says so, and keeps showing what it knew.
    page.wait_for_selector("body[data-state=lost]", timeout=WAIT_MS)
    assert page.locator(showing(first, "Loket 1")).count() == 1
    # Meanwhile a clerk calls the next citizen (on an API process this board is not connected to).
    with db.write() as session:
        clerk_user = session.scalar(select(StaffUser).where(StaffUser.username == "ani"))
        called = queue.call_next(session, principal_of(clerk_user), "Loket 2", now=clock.now)
        assert queue.ticket_label(called) == second

    with serving(create_app(settings, db=db, clock=clock), port=port, grace_s=1):
        page.wait_for_selector(showing(second, "Loket 2"), timeout=2 * WAIT_MS)  # no event told it: the state did
        page.wait_for_selector("body[data-state=live]", timeout=WAIT_MS)
        assert page.locator(showing(first, "Loket 1")).count() == 1
        assert page.locator("#waiting tr[data-agency=dukcapil]").count() == 0  # nobody waits there any more
        shot(page, "display-board-after-restart")
        assert page.locator("#sound-on").is_hidden()  # a lost connection is not a reason to ask for a tap
        context.close()
    assert not [error for error in errors if "Content Security Policy" in error]
