"""The kiosk's and the clerk's pages tell the display boards as the API does: a ticket taken at the kiosk and
a call pressed on /staff/antrian arrive on the board's event stream (with the sentence to speak), over a
real server in the test's process, on SQLite and PostgreSQL."""

from __future__ import annotations

from booking.announcements import announcement
from tests.queue.pages import hidden, press, sign_in
from tests.queue.test_board_stream import STREAM, hall, waiting  # noqa: F401 - hall is the fixture
from tests.sse import BoardStream, called


def test_a_kiosk_ticket_and_a_call_from_the_clerk_s_page_reach_the_board(hall):  # noqa: F811
    base, browser, _clerk = hall  # an httpx client: it keeps the pages' cookies, as a browser does
    with BoardStream(base + STREAM) as stream:
        assert waiting(stream.next()) == 0

        form = browser.get("/kiosk/uji/layanan/KTP").text
        taken = browser.post(
            "/kiosk/uji/tiket",
            data={name: hidden(form, name) for name in ("_csrf_token", "service", "form_key")},
        )
        assert taken.status_code == 303 and taken.headers["location"] == "/kiosk/uji/tiket/A-001"
        arrived = stream.wait_for(lambda message: waiting(message) == 1)
        assert [(c["kind"], c["ticket"]) for c in arrived["changes"]] == [("arrival", "A-001")]

        sign_in(browser)
        assert press(browser, "panggil").status_code == 303
        message = stream.wait_for(lambda message: called(message, "A-001"))
        assert called(message, "A-001")["counter"] == "Loket 1"
        assert called(message, "A-001")["say"] == announcement("A-001", "Loket 1").spoken
        assert [(row["ticket"], row["counter"]) for row in message["board"]["calling"]] == [("A-001", "Loket 1")]

        assert press(browser, "tiket/A-001/panggil-ulang").status_code == 303
        assert stream.wait_for(lambda message: called(message, "A-001", "recall"))
