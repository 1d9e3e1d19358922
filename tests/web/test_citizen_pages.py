"""The citizen's pages through the app itself (no browser), on SQLite and PostgreSQL like the API tests.

They prove the pages keep the domain's rules and the API's wording, and that forms are safe: CSRF, headers,
the booking rate limit, a double submit that opens the same booking.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from litestar.testing import TestClient

from booking.http.app import create_app
from booking.messages import FIELD_ERRORS, PROBLEMS
from booking.web.words import WORDS
from tests.factories import TOMORROW, add_closure, at, bearer, booking_body, make_site, make_staff, nik

DAY_AFTER = TOMORROW + dt.timedelta(days=1)


@pytest.fixture
def site(db):
    return make_site(db)


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def form_for(client: TestClient, start: str, service: str = "KTP", **fields) -> dict:
    """The booking form's hidden fields, as the page gave them, and the citizen's input."""
    page = client.get(f"/s/uji/layanan/{service}/pesan", params={"start": start}).text
    return {
        "_csrf_token": hidden(page, "_csrf_token"),
        "form_key": hidden(page, "form_key"),
        "service": service,
        "start": hidden(page, "start"),
        "nik": nik(1),
        "name": "Siti Aminah",
        "phone": "081234567890",
        "channels": ["sms"],
        **fields,
    }


def book(client: TestClient, start: str, **fields):
    return client.post("/s/uji/bookings", data=form_for(client, start, **fields), follow_redirects=False)


def test_the_only_site_opens_at_once_and_lists_its_agencies(client, site):
    page = client.get("/")
    assert page.status_code == 200 and str(page.url).endswith("/s/uji")
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page.text


def test_searching_finds_a_service_by_its_name(client, site):
    page = client.get("/s/uji", params={"q": "rekam"}).text
    assert "Perekaman KTP-el" in page and "Kartu Keluarga baru" not in page


def test_the_service_page_tells_open_full_and_closed_days_apart(client, site, db):
    add_closure(db, "uji", DAY_AFTER, "Cuti bersama", "Collective leave")
    for n in range(3):  # the quota service takes 3 a day
        body = booking_body(at(TOMORROW, 11), n + 1, service="KK")
        assert client.post("/api/v1/sites/uji/bookings", json=body).status_code == 201
    page = client.get("/s/uji/layanan/KK").text
    assert set(re.findall(r'<li class="day (\w+)', page)) == {"open", "full", "closed"}
    assert '<span>Penuh</span><span class="reason">Kuota harian sudah habis</span>' in page
    assert '<span>Tutup</span><span class="reason">Cuti bersama</span>' in page
    assert "Formulir F-1.01" in page  # what to bring
    assert "Collective leave" in client.get("/s/uji/layanan/KK", params={"lang": "en"}).text


def test_a_booking_made_on_the_page_is_the_api_s_booking(client, site):
    answer = book(client, at(TOMORROW, 8), channels=["sms", "whatsapp"])
    assert answer.status_code == 303
    location = answer.headers["location"]
    code, token = re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", location).groups()
    shown = client.get(f"/api/v1/bookings/{code}", params={"token": token}).json()
    assert shown["start"] == at(TOMORROW, 8) and shown["channels"] == ["sms", "whatsapp"]

    page = client.get(location).text
    assert code in page and "Selasa, 1 Desember 2026 pukul 08.00" in page and "WIB" in page
    assert f"http://antrian.test/b/{code}?token={token}" in page  # the same link the messages carry
    assert '<svg role="img"' in page  # the QR code, inline


def test_a_wrong_nik_is_answered_by_its_field_with_the_api_s_words_and_the_input_kept(client, site):
    answer = book(client, at(TOMORROW, 8), nik="12345", email="siti@example.id")
    assert answer.status_code == 422
    assert f'id="nik-error">{FIELD_ERRORS["nik_format"]("id")}<' in answer.text
    assert 'value="Siti Aminah"' in answer.text and 'value="siti@example.id"' in answer.text


def test_errors_come_in_english_after_the_switch(client, site):
    client.get("/s/uji", params={"lang": "en"})
    answer = book(client, at(TOMORROW, 8), phone="12")
    assert '<html lang="en">' in answer.text
    assert html.escape(FIELD_ERRORS["phone_invalid"]("en"), quote=False) in answer.text


def test_a_slot_taken_meanwhile_says_so_and_offers_the_day_s_other_times(client, site):
    form = form_for(client, at(TOMORROW, 8))
    for n in (11, 12, 13, 14):  # two counters, two places each
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), n)).status_code == 201
    answer = client.post("/s/uji/bookings", data=form)
    assert answer.status_code == 409
    assert PROBLEMS["slot_full"]("id") in answer.text
    offered = re.findall(r'type="radio" name="start" value="([^"]+)"', answer.text)
    assert at(TOMORROW, 8) not in offered and at(TOMORROW, 8, 30) in offered


def test_sending_the_fresh_times_without_choosing_one_asks_for_a_time_and_keeps_the_input(client, site):
    form = form_for(client, at(TOMORROW, 8))
    for n in (11, 12, 13, 14):
        client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), n))
    offered = client.post("/s/uji/bookings", data=form).text
    answer = client.post("/s/uji/bookings", data={**form, "start": "", "asked": hidden(offered, "asked")})
    assert answer.status_code == 422
    assert f'id="start-error">{FIELD_ERRORS["required"]("id")}<' in answer.text
    assert at(TOMORROW, 8, 30) in re.findall(r'name="start" value="([^"]+)"', answer.text)
    assert 'value="Siti Aminah"' in answer.text


def test_one_citizen_one_booking_a_day_holds_on_the_page_too(client, site):
    assert book(client, at(TOMORROW, 8)).status_code == 303
    again = book(client, at(TOMORROW, 9))
    assert again.status_code == 409 and PROBLEMS["duplicate_booking"]("id") in again.text


def test_sending_the_same_form_twice_opens_the_same_booking(client, site):
    form = form_for(client, at(TOMORROW, 8))
    first = client.post("/s/uji/bookings", data=form, follow_redirects=False)
    second = client.post("/s/uji/bookings", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_the_same_form_sent_again_with_other_details_is_answered_in_plain_words(client, site):
    form = form_for(client, at(TOMORROW, 8))
    assert client.post("/s/uji/bookings", data=form, follow_redirects=False).status_code == 303
    again = client.post("/s/uji/bookings", data={**form, "nik": nik(2)})
    assert again.status_code == 409 and "sudah pernah dikirim dengan isi lain" in again.text
    assert hidden(again.text, "form_key") != form["form_key"]  # a fresh form: sending it now books


def test_a_form_without_its_csrf_token_is_refused_but_the_api_needs_none(client, site):
    form = form_for(client, at(TOMORROW, 8))
    del form["_csrf_token"]
    refused = client.post("/s/uji/bookings", data=form)
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8))).status_code == 201


def test_pages_send_the_security_headers(client, site):
    headers = client.get("/s/uji/layanan/KTP").headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/antrian.css").headers["x-content-type-options"] == "nosniff"


def test_cancelling_asks_first_then_gives_the_place_back(client, site):
    location = book(client, at(TOMORROW, 8)).headers["location"]
    code, token = re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", location).groups()
    question = client.get(f"/b/{code}/batal", params={"token": token})
    assert "Yakin ingin membatalkan" in question.text
    cancelled = client.post(
        f"/b/{code}/batal", data={"_csrf_token": hidden(question.text, "_csrf_token"), "token": token}
    )
    assert "Pemesanan telah dibatalkan." in cancelled.text
    assert client.get(f"/api/v1/bookings/{code}", params={"token": token}).json()["status"] == "cancelled"
    day = client.get("/api/v1/sites/uji/services/KTP/availability", params={"from": TOMORROW, "to": TOMORROW})
    assert day.json()["days"][0]["slots"][0]["remaining"] == 4


def test_rescheduling_moves_the_booking_to_the_chosen_time(client, site):
    location = book(client, at(TOMORROW, 8)).headers["location"]
    code, token = re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", location).groups()
    page = client.get(f"/b/{code}/jadwal-ulang", params={"token": token, "date": TOMORROW.isoformat()}).text
    assert at(TOMORROW, 8) not in re.findall(r'name="start" value="([^"]+)"', page)  # not the time it has
    moved = client.post(
        f"/b/{code}/jadwal-ulang",
        data={"_csrf_token": hidden(page, "_csrf_token"), "token": token, "start": at(TOMORROW, 11)},
    )
    assert "Pemesanan telah dijadwalkan ulang." in moved.text and "11.00" in moved.text
    assert client.get(f"/api/v1/bookings/{code}", params={"token": token}).json()["start"] == at(TOMORROW, 11)


def test_a_wrong_token_shows_nothing_of_the_booking(client, site):
    code = re.search(r"/b/(\w{4}-\w{4})", book(client, at(TOMORROW, 8)).headers["location"]).group(1)
    page = client.get(f"/b/{code}", params={"token": "not-the-token"})
    assert page.status_code == 404 and "Pemesanan tidak ditemukan" in page.text and "Siti" not in page.text


def test_the_calendar_file_holds_the_booking(client, site):
    location = book(client, at(TOMORROW, 8)).headers["location"]
    code, token = re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", location).groups()
    ics = client.get(f"/b/{code}/kalender.ics", params={"token": token})
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20261201T010000Z" in ics.text and code in ics.text


def test_the_page_s_booking_counts_against_the_same_rate_limit_as_the_api(settings, db, clock, site):
    limited = settings.model_copy(update={"rate_limit_per_minute": 2})
    with TestClient(create_app(limited, db=db, clock=clock)) as client:
        assert book(client, at(TOMORROW, 8), nik=nik(1)).status_code == 303
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), 2)).status_code == 201
        refused = book(client, at(TOMORROW, 8), nik=nik(3))
        assert refused.status_code == 429 and PROBLEMS["rate_limited"]("id") in refused.text


def test_a_citizen_who_ticks_nothing_is_asked_to_choose_a_channel_or_no_messages(client, site, db):
    answer = book(client, at(TOMORROW, 8), channels=[])
    assert answer.status_code == 422
    assert f'id="channels-error">{FIELD_ERRORS["channels_required"]("id")}<' in answer.text
    assert 'value="Siti Aminah"' in answer.text
    assert 'name="no_messages" value="yes"' in answer.text  # the choice is on the form, unticked
    assert 'name="no_messages" value="yes" checked' not in answer.text


def test_choosing_no_messages_books_and_the_confirmation_says_nothing_will_be_sent(client, site):
    answer = book(client, at(TOMORROW, 8), channels=[], no_messages="yes")
    assert answer.status_code == 303, answer.text
    code, token = re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", answer.headers["location"]).groups()
    assert client.get(f"/api/v1/bookings/{code}", params={"token": token}).json()["notifications"] == []

    page = client.get(answer.headers["location"]).text
    assert html.escape(WORDS["no_messages_sent"]("id"), quote=False) in page
    assert code in page
    english = client.get(answer.headers["location"] + "&lang=en").text
    assert "No messages will be sent for this booking" in english and "Note down the booking code" in english


def test_a_booking_with_messages_does_not_say_none_will_be_sent(client, site):
    page = client.get(book(client, at(TOMORROW, 8)).headers["location"]).text
    assert html.escape(WORDS["no_messages_sent"]("id"), quote=False) not in page


def test_no_messages_and_a_channel_together_are_answered_by_the_channels_field(client, site):
    answer = book(client, at(TOMORROW, 8), channels=["sms"], no_messages="yes")
    assert answer.status_code == 422
    assert f'id="channels-error">{FIELD_ERRORS["channels_with_no_messages"]("id")}<' in answer.text
    assert 'name="no_messages" value="yes" checked' in answer.text  # the citizen's choice is kept


@pytest.mark.parametrize("start", ["9999-12-31T12:00:00+00:00", "0001-01-01T00:00:00+00:00", "0001-01-01T12:00:00"])
def test_a_time_in_no_bookable_year_sends_the_form_back_to_the_calendar(client, site, start):
    shown = client.get("/s/uji/layanan/KTP/pesan", params={"start": start}, follow_redirects=False)
    assert shown.status_code == 303 and shown.headers["location"] == "/s/uji/layanan/KTP"

    sent = client.post("/s/uji/bookings", data={**form_for(client, at(TOMORROW, 8)), "start": start},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == "/s/uji/layanan/KTP"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/s/uji", {"q": "ktp " * 30}),
        ("/s/uji", {"agency": "a" * 101}),
        ("/s/uji/layanan/KTP", {"from": "2026-12-01" * 3}),
        ("/s/uji/layanan/KTP/pesan", {"start": "2026-12-01T08:00:00+07:00" * 3}),
        ("/b/ABCD-EFGH", {"token": "t" * 201}),
    ],
)
def test_an_over_long_query_parameter_is_answered_with_an_html_page(client, site, path, params):
    answer = client.get(path, params=params)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert html.escape(PROBLEMS["validation_error"]("id"), quote=False) in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")


def booked_link(client: TestClient) -> tuple[str, str]:
    location = book(client, at(TOMORROW, 8)).headers["location"]
    return re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", location).groups()


def test_a_booking_cancelled_by_a_closure_shows_why_and_no_code_to_show_or_times_to_move_to(client, db, site):
    make_staff(db, "kepala", role="admin")
    code, token = booked_link(client)
    ahead = client.get(f"/b/{code}", params={"token": token}).text
    assert '<svg role="img"' in ahead and "Tunjukkan kode ini" in ahead and "/jadwal-ulang" in ahead
    csrf = hidden(client.get(f"/b/{code}/jadwal-ulang", params={"token": token}).text, "_csrf_token")
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "agency": "dukcapil", "reason": "listrik padam"}
    closed = client.post("/api/v1/admin/closures?force=true", json=closure, headers=bearer(client, "kepala"))
    assert closed.status_code == 201

    page = client.get(f"/b/{code}", params={"token": token}).text
    assert '<svg role="img"' not in page and "Tunjukkan kode ini" not in page  # nothing to show at a counter
    assert "/jadwal-ulang" not in page and "/batal" not in page and "Yang perlu dibawa" not in page
    assert '<p class="ended status-cancelled">Dibatalkan</p>' in page
    assert "Alasan: Dinas Kependudukan dan Pencatatan Sipil tutup: listrik padam" in page
    assert 'href="/s/uji/layanan/KTP">Pesan waktu baru untuk layanan ini' in page
    for path in (f"/b/{code}/batal", f"/b/{code}/jadwal-ulang"):  # old links lead to the booking as it stands
        answer = client.get(path, params={"token": token}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/b/{code}?token={token}"
    moved = client.post(
        f"/b/{code}/jadwal-ulang",
        data={"_csrf_token": csrf, "token": token, "start": at(TOMORROW, 11)},
    )
    assert moved.status_code == 409 and 'name="start"' not in moved.text
    assert "Pemesanan dengan status &#39;Dibatalkan&#39; tidak dapat dijadwalkan ulang." in moved.text


def test_a_served_booking_s_page_thanks_the_citizen_and_offers_nothing_to_do(client, db, site, clock):
    make_staff(db, "ani")
    code, token = booked_link(client)
    clock.advance(days=1, hours=1)  # Tuesday 08.00 in Blora: the citizen's day and time
    clerk = bearer(client, "ani")
    for step in ("check-in", "serve"):
        assert client.post(f"/api/v1/staff/bookings/{code}/{step}", headers=clerk).status_code == 200

    page = client.get(f"/b/{code}", params={"token": token}).text
    assert '<p class="ended status-served">Selesai dilayani</p>' in page and "Anda sudah dilayani." in page
    assert '<svg role="img"' not in page and "Yang perlu dibawa" not in page and "Pesan waktu baru" not in page
    assert "kalender.ics" not in page


def test_a_closed_day_ahead_names_its_weekday_never_today(client, db):
    make_site(db, weekdays=range(5))  # Monday to Friday
    saturday = dt.date(2026, 12, 5)
    page = client.get("/s/uji/layanan/KTP", params={"date": saturday.isoformat()}).text
    assert '<span class="reason">Tidak ada layanan pada hari Sabtu</span>' in page
    assert "Tidak ada layanan pada hari Sabtu. Tidak ada waktu kosong pada Sabtu, 5 Desember 2026." in page
    assert "hari ini" not in page
    english = client.get("/s/uji/layanan/KTP", params={"date": saturday.isoformat(), "lang": "en"}).text
    assert "No service on Saturday. No free time on Saturday 5 December 2026." in english
