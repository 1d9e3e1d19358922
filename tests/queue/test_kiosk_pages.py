"""The kiosk at the entrance, through the app (no browser), on SQLite and PostgreSQL: a booked citizen types
their code, a walk-in chooses agency, service and priority group; every refusal in plain words, and
nothing made twice."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from booking.bookings import cancel_booking
from booking.messages import PROBLEMS
from booking.models import Booking, BookingStatus, Ticket
from tests.factories import TOMORROW, make_site
from tests.queue.conftest import Floor
from tests.queue.pages import csrf, shown, take_walk_in, take_with_code, walk_in_form
from tests.queue.test_arrivals import booking_status


def tickets(floor) -> int:
    with floor.db.read() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_a_booked_citizen_types_their_code_and_sees_their_numbered_ticket(floor):
    code = floor.book(9)
    floor.at(8, 40)

    answer = take_with_code(floor.client, code)

    assert answer.status_code == 303 and answer.headers["location"] == "/kiosk/uji/tiket/A-001"
    page = floor.client.get(answer.headers["location"])
    facts = shown(page.text)
    assert facts["ticket-number"] == "A-001"
    assert facts["ticket-status"] == "Menunggu dipanggil"
    assert facts["ticket-ahead"] == "Anda berikutnya"
    assert facts["ticket-wait"] == "± 20 menit"  # nobody ahead, but the slot begins at 09:00
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page.text and "Perekaman KTP-el" in page.text
    assert "Pemesanan pukul 09.00" in page.text
    assert "<title>Kode QR halaman nomor antrian A-001</title>" in page.text  # its own page, to follow the turn
    assert "http://antrian.test/t/uji/A-001" in page.text
    assert "Cetak nomor" in page.text and "Siti Aminah" not in page.text and code not in page.text
    assert booking_status(floor, code) == BookingStatus.checked_in  # taking the ticket checked the booking in


def test_the_same_code_sent_again_shows_the_same_ticket_and_makes_no_other(floor):
    code = floor.book(9)
    floor.at(8, 40)
    first = take_with_code(floor.client, code)

    again = [take_with_code(floor.client, spelling) for spelling in (code, code.lower(), code.replace("-", " "))]

    assert first.headers["location"] == "/kiosk/uji/tiket/A-001"
    assert {answer.headers["location"] for answer in again} == {"/kiosk/uji/tiket/A-001?lagi=1"}
    page = floor.client.get("/kiosk/uji/tiket/A-001?lagi=1").text
    assert shown(page)["kiosk-again"] == "Kode ini sudah mendapat nomor antrian. Ini nomor Anda."
    assert tickets(floor) == 1


def test_codes_that_give_no_ticket_now_are_answered_in_plain_words_and_change_nothing(floor):
    tomorrow, early, cancelled = floor.book(9, day=TOMORROW), floor.book(11), floor.book(9, 30)
    with floor.db.write() as session:
        booking = session.scalar(select(Booking).where(Booking.code == cancelled.replace("-", "")))
        cancel_booking(session, booking, now=floor.clock.now)
    floor.at(9, 30)  # booked citizens may take their ticket from 60 minutes before their time

    answers = {
        "unknown": take_with_code(floor.client, "ZZZZ-ZZZZ"),
        "another day": take_with_code(floor.client, tomorrow),
        "too early": take_with_code(floor.client, early),
        "cancelled": take_with_code(floor.client, cancelled),
    }

    said = {name: (answer.status_code, shown(answer.text)["kiosk-message"]) for name, answer in answers.items()}
    assert said == {
        "unknown": (404, "Kode pemesanan “ZZZZ-ZZZZ” tidak ditemukan di MPP ini. Periksa kembali kodenya di pesan "
                    "Anda, atau minta bantuan petugas."),
        "another day": (409, "Pemesanan ini untuk Selasa, 1 Desember 2026, bukan hari ini."),
        "too early": (409, "Terlalu awal: nomor antrian untuk pemesanan ini dapat diambil mulai pukul 10:00."),
        "cancelled": (409, "Pemesanan dengan status 'Dibatalkan' tidak dapat mengambil nomor antrian."),
    }  # fmt: skip
    assert f'value="{early}"' in answers["too early"].text  # the code stays in the field, to try again later
    assert tickets(floor) == 0
    assert booking_status(floor, early) == BookingStatus.confirmed


def test_a_citizen_later_than_their_time_is_told_they_queue_with_the_walk_ins(floor):
    code = floor.book(8)
    floor.at(8, 16)  # 15 minutes late still keeps the time; 16 does not

    page = take_with_code(floor.client, code, follow=True).text

    assert "Anda datang lewat dari waktu pemesanan, jadi mengantre bersama pengunjung tanpa pemesanan." in page
    assert "Tanpa pemesanan" in page


def test_a_walk_in_chooses_agency_then_service_then_a_priority_group(floor):
    floor.at(8, 5)
    start = floor.client.get("/kiosk/uji").text
    assert 'href="/kiosk/uji/instansi/dukcapil"' in start and 'href="/kiosk/uji/instansi/samsat"' in start
    agency = floor.client.get("/kiosk/uji/instansi/dukcapil").text
    assert 'href="/kiosk/uji/layanan/KTP"' in agency and 'href="/kiosk/uji/layanan/KK"' in agency
    assert "/kiosk/uji/layanan/PKB" not in agency
    service = floor.client.get("/kiosk/uji/layanan/KTP").text
    assert "Prioritas: Lansia" in service and "Prioritas: Membawa anak kecil" in service

    answer = take_walk_in(floor.client, walk_in_form(floor.client, "KTP"), "elderly")

    assert answer.status_code == 303 and answer.headers["location"] == "/kiosk/uji/tiket/A-001"
    page = floor.client.get("/kiosk/uji/tiket/A-001").text
    assert "<dt>Prioritas</dt><dd>Lansia</dd>" in page and "<dd>Tanpa pemesanan</dd>" in page
    ticket = floor.client.get("/api/v1/sites/uji/tickets/A-001").json()
    assert (ticket["kind"], ticket["priority"], ticket["service"]["code"]) == ("walk_in", "elderly", "KTP")


def test_a_walk_in_form_sent_twice_gives_one_ticket_and_a_fresh_form_the_next(floor):
    floor.at(8, 5)
    form = walk_in_form(floor.client, "KTP")

    first, double_tap = take_walk_in(floor.client, form), take_walk_in(floor.client, form)
    next_citizen = take_walk_in(floor.client, walk_in_form(floor.client, "KTP"))

    assert first.headers["location"] == double_tap.headers["location"] == "/kiosk/uji/tiket/A-001"
    assert next_citizen.headers["location"] == "/kiosk/uji/tiket/A-002"
    assert tickets(floor) == 2


def test_when_today_s_walk_in_places_are_gone_the_kiosk_offers_the_next_online_time(client, db, clock):
    make_site(db, capacity=1, counters=1)  # one place a slot: the current and the next slot hold two walk-ins
    floor = Floor(client, clock, db, {}, {}, {})
    floor.at(8, 5)
    for _ in range(2):
        assert take_walk_in(client, walk_in_form(client)).status_code == 303

    refused = take_walk_in(client, walk_in_form(client))

    assert refused.status_code == 409
    message = shown(refused.text)["kiosk-message"]
    assert message.startswith(PROBLEMS["walk_ins_full"]("id"))
    # online booking keeps its hour of lead time: from 08:05 the first bookable slot is 09:30
    assert message.endswith("Waktu terdekat yang bisa dipesan online: Senin, 30 November 2026 pukul 09.30 WIB.")
    assert html.escape("http://antrian.test/s/uji/layanan/KTP?date=2026-11-30") in refused.text
    assert "<title>Kode QR untuk memesan Perekaman KTP-el</title>" in refused.text
    assert "Ambil nomor antrian</button>" not in refused.text  # nothing to press that cannot work today
    assert tickets(floor) == 2


def test_a_walk_in_after_closing_time_is_told_the_service_has_closed(floor):
    floor.at(12, 30)

    refused = take_walk_in(floor.client, walk_in_form(floor.client))

    assert refused.status_code == 409
    assert "Layanan sudah tutup untuk hari ini" in shown(refused.text)["kiosk-message"]
    assert tickets(floor) == 0


def test_the_kiosk_s_forms_need_their_csrf_token(floor):
    code = floor.book(9)
    floor.at(8, 40)
    csrf(floor.client)  # the kiosk's cookie is there; only the form's token is missing

    answer = floor.client.post("/kiosk/uji/tiket", data={"code": code})

    assert answer.status_code == 403 and "Formulir ini sudah kedaluwarsa" in answer.text
    assert tickets(floor) == 0


def test_only_the_kiosk_may_run_its_own_script_and_the_ticket_page_runs_none(floor):
    floor.at(8, 5)
    take_walk_in(floor.client, walk_in_form(floor.client))
    kiosk = floor.client.get("/kiosk/uji")
    ticket = floor.client.get("/t/uji/A-001")

    assert "script-src 'self'" in kiosk.headers["content-security-policy"]
    assert '<script src="/static/kiosk.js" defer></script>' in kiosk.text
    assert ticket.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in ticket.headers["content-security-policy"] and "<script" not in ticket.text
    assert floor.client.get("/static/kiosk.js").status_code == 200


def test_the_kiosk_speaks_english_after_the_switch(floor):
    floor.at(8, 5)
    page = floor.client.get("/kiosk/uji", params={"lang": "en"}).text
    assert '<html lang="en">' in page and "Take a queue number" in page and "Booked online?" in page
    refused = take_with_code(floor.client, "ZZZZ-ZZZZ")
    assert "No booking with the code “ZZZZ-ZZZZ” at this site." in shown(refused.text)["kiosk-message"]
    ticket = take_walk_in(floor.client, walk_in_form(floor.client), follow=True)
    assert "Print the number" in ticket.text
    # done, or left alone: the kiosk goes back to its start, in Indonesian, for the next citizen
    assert ticket.headers["refresh"] == "90; url=/kiosk/uji?lang=id"
    assert '<a class="button big" href="/kiosk/uji?lang=id">Done</a>' in ticket.text


def test_an_unknown_site_agency_or_service_is_a_page_not_found(floor):
    for path in ("/kiosk/nowhere", "/kiosk/uji/instansi/nope", "/kiosk/uji/layanan/NOPE", "/kiosk/uji/tiket/A-999"):
        answer = floor.client.get(path)
        assert answer.status_code == 404 and "<h1>Maaf</h1>" in answer.text, path
