"""The visit page without a browser (both databases): a chain of two services and a family of three booked through
the page end on the lead's page listing every booking; a chain that does not fit says so and books nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.models import Booking
from tests.factories import TOMORROW, add_agency, at, booking_body, make_site, nik
from tests.web.test_citizen_pages import hidden

DAY = TOMORROW.isoformat()


@pytest.fixture
def site(db):
    site = make_site(db, capacity=2, counters=2)
    add_agency(db, "uji", "bpjs", "BPJS", "Loket BPJS", capacity=1)
    return site


def visit_page(client, services: list[str], citizens: int = 1):
    return client.get("/s/uji/kunjungan", params={"services": services, "date": DAY, "citizens": citizens})


def chains(page: str) -> list[str]:
    return re.findall(r'name="chain" value="([^"]*)"', page)


def post_visit(client, page: str, chain: str, **fields):
    form = {
        "_csrf_token": hidden(page, "_csrf_token"),
        "form_key": hidden(page, "form_key"),
        "date": hidden(page, "date"),
        "citizens": hidden(page, "citizens"),
        "services": re.findall(r'type="hidden" name="services" value="([^"]*)"', page),
        "privacy_notice": hidden(page, "privacy_notice"),
        "chain": chain,
        "nik": nik(1),
        "name": "Siti Aminah",
        "phone": "081234567890",
        "channels": ["sms"],
        **fields,
    }
    return client.post("/s/uji/visits", data=form, follow_redirects=False)


def bookings(db) -> list[Booking]:
    with db.read() as session:
        return list(session.scalars(select(Booking)))


def test_the_service_list_leads_to_the_visit_page(client, site):
    services = client.get("/s/uji").text
    assert 'href="/s/uji/kunjungan"' in services and "Perlu beberapa layanan?" in services
    page = client.get("/s/uji/kunjungan").text
    assert "Beberapa layanan dalam satu kunjungan" in page
    assert "Agency bpjs" in page and 'value="BPJS"' in page and 'value="KTP"' in page
    assert "Several services in one visit" in client.get("/s/uji/kunjungan", params={"lang": "en"}).text


def test_a_chain_of_two_services_is_booked_and_the_leads_page_lists_both(client, db, site):
    page = visit_page(client, ["KTP", "BPJS"]).text
    offered = chains(page)
    assert offered[0] == f"KTP|{at(TOMORROW, 8)};BPJS|{at(TOMORROW, 9)}"  # a 30-minute slot, a 10-minute walk
    assert "Agency bpjs, Loket BPJS" in page

    answer = post_visit(client, page, offered[0])

    assert answer.status_code == 303
    lead = client.get(answer.headers["location"]).text
    listed = lead.split('data-testid="visit"', 1)[1].split("</ol>", 1)[0]
    assert "Perekaman KTP-el" in listed and "Service BPJS" in listed and "Loket BPJS" in listed
    assert len(bookings(db)) == 2
    again = post_visit(client, page, offered[0])  # a double tap opens the same visit
    assert again.headers["location"] == answer.headers["location"] and len(bookings(db)) == 2


def test_a_family_of_three_is_booked_on_one_service(client, db, site):
    page = visit_page(client, ["KTP"], citizens=3).text
    assert 'name="member2_nik"' in page and 'name="member3_nik"' not in page
    offered = chains(page)
    assert offered[0] == f"KTP|{at(TOMORROW, 8)}"  # two counters of two places: room for three
    members = {"member1_nik": nik(2), "member1_name": "Budi Santoso", "member2_nik": nik(3), "member2_name": "Ani"}

    wrong = post_visit(client, page, offered[0], member2_nik="123", member2_name="Ani")  # the first row left empty
    assert wrong.status_code == 422 and 'id="member2_nik-error"' in wrong.text and "member1_nik-error" not in wrong.text
    assert bookings(db) == []

    answer = post_visit(client, page, offered[0], **members)

    assert answer.status_code == 303
    lead = client.get(answer.headers["location"]).text
    listed = lead.split('data-testid="visit"', 1)[1].split("</ol>", 1)[0]
    codes = set(re.findall(r"Kode pemesanan ([A-Z0-9]{4}-[A-Z0-9]{4})", listed))
    assert listed.count("Perekaman KTP-el") == 3 and len(codes) == 3  # one booking each, names shown masked
    assert len(bookings(db)) == 3


def test_a_chain_that_does_not_fit_says_so_and_books_nothing(client, db, site):
    page = visit_page(client, ["KTP", "BPJS"]).text
    chosen = chains(page)[0]
    taken = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 9, service="BPJS"))
    assert taken.status_code == 201  # the second step's only place goes meanwhile

    refused = post_visit(client, page, chosen)

    assert refused.status_code == 409
    assert "Kunjungan tidak dapat dipesan utuh" in refused.text and "Tidak ada yang dipesan" in refused.text
    assert len(bookings(db)) == 1  # only the place taken meanwhile
    for n, minute in enumerate([(9, 30), (10, 0), (10, 30), (11, 0), (11, 30)], start=10):
        full = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, *minute), n, service="BPJS"))
        assert full.status_code == 201, full.text
    none = visit_page(client, ["KTP", "BPJS"]).text
    assert chains(none) == [] and "Tidak ada urutan waktu yang muat" in none and "Coba hari lain" in none
