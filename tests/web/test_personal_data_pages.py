"""The privacy notice and the citizen's own data on the pages (no browser, both databases)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from booking.messages import FIELD_ERRORS
from booking.models import Booking, Site
from booking.privacy_notice import PRIVACY_NOTICE_VERSION
from tests.factories import TOMORROW, at, make_site
from tests.web.test_citizen_pages import book, form_for, hidden

ERASED_PAGE = "Data pribadi pemesanan ini sudah dihapus"


@pytest.fixture
def site(db):
    return make_site(db)


def booked(client, **fields) -> tuple[str, str]:
    """A booking made on the form as the page gave it (the notice's version included): code and token."""
    page = client.get("/s/uji/layanan/KTP/pesan", params={"start": at(TOMORROW, 8)}).text
    answer = book(client, at(TOMORROW, 8), privacy_notice=hidden(page, "privacy_notice"), **fields)
    assert answer.status_code == 303, answer.text
    return re.fullmatch(r"/b/(\w{4}-\w{4})\?token=([^&]+)&done=booked", answer.headers["location"]).groups()


def test_the_form_shows_the_notice_by_its_button_and_records_the_version_it_showed(client, site, db):
    page = client.get("/s/uji/layanan/KTP/pesan", params={"start": at(TOMORROW, 8)}).text
    notice = re.search(r'<p class="privacy" id="privacy-notice"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "disimpan sampai 90 hari setelah kunjungan" in notice and 'href="/s/uji/privasi"' in notice
    assert page.index('id="privacy-notice"') < page.index('type="submit"')
    assert hidden(page, "privacy_notice") == PRIVACY_NOTICE_VERSION

    code, _ = booked(client)
    with db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
    assert booking.privacy_notice_version == PRIVACY_NOTICE_VERSION and booking.privacy_notice_accepted_at


def test_a_form_showing_an_unknown_notice_is_refused_with_the_api_s_words(client, site):
    answer = client.post("/s/uji/bookings", data=form_for(client, at(TOMORROW, 8), privacy_notice="1999-01-01"))
    assert answer.status_code == 422
    assert FIELD_ERRORS["privacy_notice_unknown"]("id", version=PRIVACY_NOTICE_VERSION) in answer.text


def test_the_full_notice_names_the_site_s_retention_and_contact_in_both_languages(client, site, db):
    with db.write() as session:
        session.execute(update(Site).values(personal_data_retention_days=30, privacy_contact="pdp@uji.example"))
    indonesian = client.get("/s/uji/privasi").text
    assert "sampai 30 hari setelah kunjungan" in indonesian and "pdp@uji.example" in indonesian
    assert f"Versi {PRIVACY_NOTICE_VERSION}" in indonesian and "UU No. 27 Tahun 2022" in indonesian
    english = client.get("/s/uji/privasi", params={"lang": "en"}).text
    assert "until 30 days after the visit" in english and "Questions or complaints: pdp@uji.example" in english


def test_the_manage_page_leads_to_what_is_held(client, site):
    code, token = booked(client, email="siti@example.id", channels=["sms", "email"])
    manage = client.get(f"/b/{code}", params={"token": token}).text
    assert f'href="/b/{code}/data-pribadi?token={token}">Data pribadi saya<' in manage
    assert f'href="/b/{code}/hapus-data?token={token}">Hapus data saya<' in manage

    data = client.get(f"/b/{code}/data-pribadi", params={"token": token})
    assert data.status_code == 200
    for held in ("Siti Aminah", "+6281234567890", "siti@example.id", "4 angka terakhir: 0001", PRIVACY_NOTICE_VERSION):
        assert held in data.text
    assert "Senin, 1 Maret 2027" in data.text  # erased at the latest 90 days after the visit
    assert client.get(f"/b/{code}/data-pribadi", params={"token": "not-it"}).status_code == 404


def test_erasing_asks_first_then_erases_and_the_link_opens_nothing_more(client, site):
    code, token = booked(client)
    question = client.get(f"/b/{code}/hapus-data", params={"token": token})
    assert "Yakin ingin menghapus data pribadi Anda?" in question.text
    assert "jadi akan dibatalkan lebih dulu" in question.text  # it is still ahead

    refused = client.post(f"/b/{code}/hapus-data", data={"token": token})
    assert refused.status_code == 403
    assert "Siti Aminah" in client.get(f"/b/{code}/data-pribadi", params={"token": token}).text

    erased = client.post(
        f"/b/{code}/hapus-data",
        data={"_csrf_token": hidden(question.text, "_csrf_token"), "token": token},
        follow_redirects=False,
    )
    assert erased.status_code == 303 and erased.headers["location"] == f"/b/{code}/data-pribadi?token={token}"
    after = client.get(erased.headers["location"]).text
    assert "Data pribadi Anda telah dihapus." in after and "Siti Aminah" not in after
    assert "Kontak Anda (nomor HP atau email) disimpan sampai pesan pembatalan terkirim" in after

    gone = client.get(f"/b/{code}", params={"token": token})
    assert gone.status_code == 404 and ERASED_PAGE in gone.text
    day = client.get("/api/v1/sites/uji/services/KTP/availability", params={"from": TOMORROW, "to": TOMORROW})
    assert day.json()["days"][0]["slots"][0]["remaining"] == 4  # the place is back
