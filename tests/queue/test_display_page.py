"""The hall's display board page, ``/display/{site}``, as the server renders it, and the spoken call the
server makes for a TV without an Indonesian voice (``/display/{site}/speech/{ticket}-{counter}.wav``)."""

from __future__ import annotations

import io
import wave

import pytest

from tests.queue.test_announcements import espeak_or_skip


@pytest.fixture
def hall(floor):
    """A booked citizen (Siti Aminah) and two walk-ins arrived; the first called to Loket 1."""
    code = floor.book(8, 30)
    floor.at(8, 0)
    first = floor.ticket(service="KTP")
    floor.ticket(service="PKB")
    floor.at(8, 10)
    booked = floor.ticket(code)
    assert floor.called("Loket 1") == first
    return floor, code, first, booked


def test_the_board_shows_who_is_called_where_and_who_waits(hall):
    floor, _, first, booked = hall
    page = floor.client.get("/display/uji")
    assert page.status_code == 200
    html = page.text
    assert f'<li class="call newest" data-ticket="{first}" data-counter="Loket 1">' in html
    assert '<tr data-agency="dukcapil"><td>Dinas Kependudukan dan Pencatatan Sipil</td><td>A</td>' in html
    assert '<td class="count">1</td>' in html  # the booked citizen waits at dukcapil; samsat's walk-in too
    assert booked not in html.split('id="calling"')[1].split("</ol>")[0]
    assert "Dipanggil" in html and 'lang="id"' in html
    assert 'data-stream="/api/v1/sites/uji/queue/stream"' in html


def test_the_board_never_shows_personal_data(hall):
    floor, code, _, _ = hall
    html = floor.client.get("/display/uji").text
    for secret in ("Siti", "Aminah", "3316011708850001", "081234567890", code, code.replace("-", "")):
        assert secret not in html, secret


def test_the_board_runs_only_its_own_script(hall):
    floor, _, _, _ = hall
    page = floor.client.get("/display/uji")
    policies = page.headers.get_list("content-security-policy")
    assert len(policies) == 1
    rules = dict(rule.strip().split(" ", 1) for rule in policies[0].split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == "'self'" and rules["connect-src"] == "'self'" and rules["media-src"] == "'self'"
    assert "unsafe" not in policies[0]
    assert '<script src="/static/display.js" defer></script>' in page.text
    assert "<script>" not in page.text and " on" not in page.text.split("<body")[1].split(">")[0]  # no inline
    assert floor.client.get("/static/display.js").status_code == 200


def test_the_board_in_english(hall):
    floor, _, _, _ = hall
    html = floor.client.get("/display/uji?lang=en").text
    assert "Now calling" in html and 'lang="en"' in html


def test_an_unknown_site_has_no_board(floor):
    assert floor.client.get("/display/nowhere").status_code == 404


def test_the_server_speaks_the_call_of_a_ticket_called_at_that_counter(hall):
    espeak_or_skip()
    floor, _, first, _ = hall
    answer = floor.client.get(f"/display/uji/speech/{first}-Loket%201.wav")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(answer.content)) as sound:
        assert 2.0 < sound.getnframes() / sound.getframerate() < 15.0


@pytest.mark.parametrize(
    "name",
    [
        "A-001-Loket%202.wav",  # called, but to Loket 1
        "A-002-Loket%201.wav",  # the booked citizen: waiting, never called
        "A-099-Loket%201.wav",  # no such ticket today
        "A-001-Loket%201.mp3",
        "Siti-Loket%201.wav",
        "A-001.wav",
    ],
)
def test_nothing_but_a_call_made_is_ever_spoken(hall, name):
    floor, _, _, _ = hall
    assert floor.client.get(f"/display/uji/speech/{name}").status_code == 404
