"""The waiting-list pages without a browser (both databases): a refused join shows the API's words by the field;
the entry page declines an offer (the next in line gets it), refuses an answer twice, and leaves the list."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import TOMORROW, at, booking_body, make_site, nik
from tests.web.test_citizen_pages import hidden


@pytest.fixture
def site(db):
    return make_site(db, capacity=1, counters=1, closes=dt.time(9), break_=None)


def booked(client, minute: int, n: int) -> dict:
    answer = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8, minute), n))
    assert answer.status_code == 201, answer.text
    return answer.json()


def join_page(client, n: int, **fields):
    page = client.get("/s/uji/layanan/KTP/daftar-tunggu", params={"date": TOMORROW.isoformat()}).text
    form = {
        "_csrf_token": hidden(page, "_csrf_token"),
        "service": "KTP",
        "date": TOMORROW.isoformat(),
        "privacy_notice": hidden(page, "privacy_notice"),
        "nik": nik(n),
        "name": "Budi Santoso",
        "phone": "081298765432",
        "channels": ["sms"],
        **fields,
    }
    return client.post("/s/uji/daftar-tunggu", data=form, follow_redirects=False)


def post(client, path: str):
    csrf = hidden(client.get(path.rsplit("/", 1)[0]).text, "_csrf_token")
    return client.post(path, data={"_csrf_token": csrf}, follow_redirects=False)


def test_a_full_days_calendar_invites_to_its_waiting_list_and_a_refused_join_says_why(client, site):
    booked(client, 0, 1)
    assert "daftar-tunggu" not in client.get("/s/uji/layanan/KTP", params={"date": TOMORROW.isoformat()}).text
    refused = join_page(client, 5)
    assert refused.status_code == 409 and "pesan langsung" in refused.text
    booked(client, 30, 2)
    assert 'data-testid="join-waitlist"' in client.get("/s/uji/layanan/KTP", params={"date": TOMORROW.isoformat()}).text
    wrong = join_page(client, 5, nik="123")
    assert wrong.status_code == 422 and 'class="field-error" id="nik-error"' in wrong.text
    assert join_page(client, 1).status_code == 409  # booked that day already


def test_the_entry_page_declines_refuses_a_second_answer_and_leaves(client, site):
    made = [booked(client, 0, 1), booked(client, 30, 2)]
    first, second = join_page(client, 5).headers["location"], join_page(client, 6).headers["location"]
    assert "Posisi Anda di daftar tunggu: 2" in client.get(second).text
    cancelled = client.post(
        f"/api/v1/bookings/{made[0]['code']}/cancel", headers={"X-Booking-Token": made[0]["manage_token"]}
    )
    assert cancelled.status_code == 200
    assert 'data-testid="waitlist-offer"' in client.get(first).text
    assert post(client, f"{first}/tolak").status_code == 303
    assert "Tawaran ini sudah tidak berlaku" in client.get(first).text
    again = post(client, f"{first}/terima")
    assert again.status_code == 410 and "sudah tidak berlaku" in again.text
    assert 'data-testid="waitlist-offer"' in client.get(second).text  # the next in line has it now
    left = post(client, f"{second}/keluar")
    assert left.status_code == 200 and "data Anda di daftar ini sudah dihapus" in left.text
    assert client.get(second).status_code == 404
    # nobody waits: the place is back on sale
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8, 0), 9)).status_code == 201


def test_the_form_offers_to_wait_several_days_and_the_entry_page_names_them(client, db, site):
    day_2 = TOMORROW + dt.timedelta(days=1)
    for n, (day, minute) in enumerate([(TOMORROW, 0), (TOMORROW, 30), (day_2, 0), (day_2, 30)], start=1):
        answer = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(day, 8, minute), n))
        assert answer.status_code == 201, answer.text
    form = client.get("/s/uji/layanan/KTP/daftar-tunggu", params={"date": TOMORROW.isoformat()}).text
    three_days = (TOMORROW + dt.timedelta(days=2)).isoformat()
    assert f'<option value="{three_days}">Tempat pertama yang kosong dalam 3 hari' in form
    refused = join_page(client, 5, until=three_days)  # the third day has room: book it
    assert refused.status_code == 409 and "Masih ada tempat pada" in refused.text
    joined = join_page(client, 5, until=day_2.isoformat())
    assert joined.status_code == 303
    page = client.get(joined.headers["location"]).text
    assert "s.d." in page and "Posisi Anda di daftar tunggu: 1" in page
    assert join_page(client, 6, until="not-a-day").status_code == 422
