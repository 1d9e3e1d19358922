"""The clerk's queue at /staff/antrian, through the app (no browser), on SQLite and PostgreSQL: the buttons
of the day as plain forms, each answered with the queue and a sentence; a refusal changes nothing."""

from __future__ import annotations

import re

from litestar.testing import TestClient
from sqlalchemy import select

from booking.models import Booking, BookingStatus
from tests.queue.pages import csrf, hidden, press, shown, sign_in


def ticket_api(floor, ticket: str) -> dict:
    return floor.client.get(f"/api/v1/sites/uji/tickets/{ticket}").json()


def waiting(page: str) -> list[str]:
    """The waiting list's numbers, in the order shown."""
    table = page.split('data-testid="desk-waiting"', 1)
    return re.findall(r'<td data-label="Nomor" class="mono">([A-Z]+-\d{3})', table[1]) if len(table) > 1 else []


def offered(page: str) -> set[str]:
    """The queue's buttons the page offers, by the step each form posts to."""
    return set(re.findall(r'action="/staff/antrian/(?:tiket/[A-Z]+-\d{3}/)?([a-z-]+)"', page))


def test_the_queue_page_needs_a_signed_in_clerk(floor):
    answer = floor.client.get("/staff/antrian", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"


def test_a_clerk_picks_a_counter_sees_the_queue_in_order_and_calls_the_next(floor):
    booked = floor.book(8, 30)
    floor.at(8, 20)
    walk_in, booked_ticket = floor.ticket(service="KTP"), floor.ticket(booked)
    floor.at(8, 31)  # the booked citizen's time has come: they go before the walk-in who came earlier
    sign_in(floor.client)

    first = floor.client.get("/staff/antrian").text
    assert "Pilih loket Anda untuk mulai memanggil." in first and "Panggil berikutnya" not in first
    page = floor.client.get("/staff/antrian", params={"loket": "Loket 1"}).text
    assert waiting(page) == [booked_ticket, walk_in]
    assert "berikutnya di loket ini" in page.split(booked_ticket, 2)[1].split("</td>")[0]

    called = press(floor.client, "panggil")

    assert called.status_code == 200
    assert shown(called.text)["desk-notice"] == f"{booked_ticket} dipanggil ke Loket 1."
    assert shown(called.text)["desk-current"] == booked_ticket and waiting(called.text) == [walk_in]
    assert ticket_api(floor, booked_ticket)["status"] == "called"
    assert ticket_api(floor, booked_ticket)["counter"] == "Loket 1"
    assert offered(called.text) >= {"panggil-ulang", "mulai", "selesai", "alihkan"}
    assert "panggil" not in offered(called.text)  # one citizen at a time: the counter is busy


def test_the_counter_chosen_is_remembered_by_the_clerk_s_browser(floor):
    sign_in(floor.client)
    floor.client.get("/staff/antrian", params={"loket": "Loket 2"})
    page = floor.client.get("/staff/antrian").text
    assert '<option value="Loket 2" selected>' in page and "Sekarang di Loket 2" in page


def test_missed_is_offered_only_after_the_site_s_recalls_and_the_citizen_may_come_back_once(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    sign_in(floor.client)
    called = press(floor.client, "panggil")

    offers = [offered(press(floor.client, f"tiket/{ticket}/panggil-ulang").text) for _ in range(2)]

    assert "tidak-hadir" not in offered(called.text)
    assert "“Tidak hadir” bisa dipilih setelah 2× panggil ulang." in called.text
    assert ["tidak-hadir" in offer for offer in offers] == [False, True]  # the site's recalls_before_missed is 2
    missed = press(floor.client, f"tiket/{ticket}/tidak-hadir")
    assert shown(missed.text)["desk-notice"] == f"{ticket}: ditandai tidak hadir."
    assert ticket_api(floor, ticket)["status"] == "missed"
    assert "Terlewat hari ini" in missed.text and "kembali" in offered(missed.text)

    back = press(floor.client, f"tiket/{ticket}/kembali")

    assert shown(back.text)["desk-notice"] == f"{ticket} kembali ke antrian."
    assert waiting(back.text) == [ticket] and "Terlewat hari ini" not in back.text


def test_start_and_done_serve_a_booked_citizen(floor):
    code = floor.book(9)
    floor.at(8, 55)
    ticket = floor.ticket(code)
    sign_in(floor.client)
    press(floor.client, "panggil")

    started = press(floor.client, f"tiket/{ticket}/mulai")
    done = press(floor.client, f"tiket/{ticket}/selesai")

    assert shown(started.text)["desk-notice"] == f"{ticket}: mulai dilayani."
    assert '<span class="state">Sedang dilayani</span>' in started.text and "mulai" not in offered(started.text)
    assert shown(done.text)["desk-notice"] == f"{ticket}: selesai."
    assert "Loket kosong: panggil warga berikutnya." in done.text
    with floor.db.read() as session:
        assert session.scalar(select(Booking.status).where(Booking.code == code.replace("-", ""))) == (
            BookingStatus.served
        )


def test_a_transfer_sends_the_citizen_on_to_another_agency_s_queue(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    sign_in(floor.client)
    press(floor.client, "panggil")

    moved = press(floor.client, f"tiket/{ticket}/alihkan", service="PKB")

    assert shown(moved.text)["desk-notice"] == f"{ticket} dialihkan ke Service PKB."
    assert ticket_api(floor, ticket)["agency"]["slug"] == "samsat"
    assert ticket_api(floor, ticket)["status"] == "waiting"
    with TestClient(floor.client.app) as samsat:  # the other agency's clerk finds the citizen in line
        sign_in(samsat, "budi")
        assert waiting(samsat.get("/staff/antrian").text) == [ticket]


def test_refused_steps_say_why_and_change_nothing(floor):
    floor.at(8, 5)
    sign_in(floor.client)
    empty = press(floor.client, "panggil")
    assert empty.status_code == 409
    assert shown(empty.text)["desk-alert"] == "Tidak ada antrian yang menunggu untuk loket ini."
    ticket, other = floor.ticket(service="KTP"), floor.ticket(service="KTP")
    press(floor.client, "panggil")

    answers = {
        "missed too soon": press(floor.client, f"tiket/{ticket}/tidak-hadir"),
        "not called yet": press(floor.client, f"tiket/{other}/mulai"),
        "unknown ticket": press(floor.client, "tiket/A-999/selesai"),
        "unknown step": press(floor.client, f"tiket/{ticket}/hapus"),
        "transfer nowhere": press(floor.client, f"tiket/{ticket}/alihkan", service="NOPE"),
    }

    said = {name: (answer.status_code, shown(answer.text).get("desk-alert")) for name, answer in answers.items()}
    assert said == {
        "missed too soon": (409, "Panggil ulang 2 kali sebelum menandai tidak hadir."),
        "not called yet": (409, "Nomor antrian dengan status 'Menunggu' tidak dapat mulai dilayani."),
        "unknown ticket": (404, "Data tidak ditemukan."),
        "unknown step": (404, None),
        "transfer nowhere": (422, "Layanan tidak ditemukan di MPP ini."),
    }
    assert [ticket_api(floor, label)["status"] for label in (ticket, other)] == ["called", "waiting"]


def test_a_clerk_of_another_agency_cannot_call_at_a_counter_not_theirs(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    sign_in(floor.client, "budi")

    refused = press(floor.client, "panggil", counter="Loket 1")

    assert refused.status_code == 403 and shown(refused.text)["desk-alert"] == "Anda tidak berhak melakukan ini."
    assert "Loket 1" not in re.findall(r'<option value="([^"]+)"', refused.text)  # only samsat's counter offered
    assert ticket_api(floor, ticket)["status"] == "waiting"


def test_the_buttons_need_their_csrf_token(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    sign_in(floor.client)

    answer = floor.client.post("/staff/antrian/panggil", data={"loket": "Loket 1"})

    assert answer.status_code == 403
    assert ticket_api(floor, ticket)["status"] == "waiting"


def test_the_clerk_issues_tickets_for_a_code_and_for_a_walk_in(floor):
    code = floor.book(9)
    floor.at(8, 40)
    sign_in(floor.client)

    issued = press(floor.client, "ambil", code=code)
    again = press(floor.client, "ambil", code=code.lower())
    walk_in = press(floor.client, "ambil", service="KK", priority="pregnant")

    assert shown(issued.text)["desk-notice"].startswith("Nomor antrian A-001 dibuat.")
    assert 'href="/t/uji/A-001">Lihat dan cetak nomor A-001</a>' in issued.text
    assert shown(again.text)["desk-notice"].startswith("Kode ini sudah punya nomor antrian A-001.")
    assert shown(walk_in.text)["desk-notice"].startswith("Nomor antrian A-002 dibuat.")
    assert ticket_api(floor, "A-002")["priority"] == "pregnant"
    assert ticket_api(floor, "A-001")["kind"] == "booked"


def test_the_admin_works_at_any_counter_of_the_site(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="PKB")
    sign_in(floor.client, "kepala")
    page = floor.client.get("/staff/antrian").text
    assert '<option value="Loket 9">Loket 9 · Agency samsat</option>' in page

    called = press(floor.client, "panggil", counter="Loket 9")

    assert shown(called.text)["desk-notice"] == f"{ticket} dipanggil ke Loket 9."
    assert csrf(floor.client, "/staff/antrian")  # the page stays usable after the step


def test_a_walk_in_form_at_the_desk_sent_twice_issues_one_ticket(floor):
    floor.at(8, 5)
    sign_in(floor.client)
    page = floor.client.get("/staff/antrian").text
    form = {"service": "KTP", "form_key": hidden(page, "form_key")}

    first, double_click = press(floor.client, "ambil", **form), press(floor.client, "ambil", **form)

    assert shown(first.text)["desk-notice"].startswith("Nomor antrian A-001 dibuat.")
    assert shown(double_click.text)["desk-notice"].startswith(
        "Formulir ini sudah dikirim tadi: nomor antriannya A-001."
    )
    assert floor.client.get("/api/v1/sites/uji/tickets/A-002").status_code == 404
