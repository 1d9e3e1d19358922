"""Every e-mail address booking accepts is one delivery can send: proved against a real SMTP server.

Each address is booked through the API on both databases. An accepted one is then sent, as the worker
sends it (the booking row's address through ``notifications.delivery.deliver``), to a real SMTP server
(aiosmtpd), and must arrive at the address expected. A refused one is 422 ``validation_error`` naming
``citizen.email`` with a code that says why, and leaves nothing behind.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from booking.models import Booking, Notification
from notifications.delivery import deliver
from notifications.render import render
from tests.factories import TOMORROW, at, booking_body, make_site
from tests.notifications.samples import booking_facts
from tests.notifications.servers import smtp_server

BOOK = "/api/v1/sites/uji/bookings"

ACCEPTED = [
    pytest.param("siti@example.com", "siti@example.com", id="plain"),
    pytest.param("  Siti.Aminah@Example.CO.ID ", "Siti.Aminah@example.co.id", id="spaces_trimmed_domain_lowered"),
    pytest.param("siti+antrian@example.com", "siti+antrian@example.com", id="plus_tag"),
    pytest.param("a&b@example.com", "a&b@example.com", id="ampersand"),
    pytest.param("!#$%*/=?^_`{|}~-@example.com", "!#$%*/=?^_`{|}~-@example.com", id="every_other_special_character"),
    pytest.param("a%41b@example.com", "a%41b@example.com", id="a_percent_sign_not_decoded_twice"),
    pytest.param("x" * 64 + "@example.com", "x" * 64 + "@example.com", id="local_part_of_64_characters"),
    pytest.param("warga@bücher.de", "warga@xn--bcher-kva.de", id="internationalised_domain_sent_in_ascii"),
    pytest.param("warga@MPP.BLORAKAB.GO.ID", "warga@mpp.blorakab.go.id", id="upper_case_government_domain"),
]

REFUSED = [
    pytest.param("o'neil@example.com", "email_character", id="a_quote_apprise_would_misread"),
    pytest.param("'siti@example.com", "email_character", id="a_leading_quote"),
    pytest.param("x" * 65 + "@example.com", "email_too_long", id="local_part_of_65_characters"),
    pytest.param("wärga@example.com", "email_not_ascii", id="accented_local_part"),
    pytest.param("siti\u200b@example.com", "email_not_ascii", id="zero_width_space_in_the_local_part"),
    pytest.param("siti@", "email_invalid", id="no_domain"),
    pytest.param("siti@localhost", "email_invalid", id="a_domain_without_a_dot"),
    pytest.param('"siti aminah"@example.com', "email_invalid", id="a_quoted_local_part"),
    pytest.param("siti@[127.0.0.1]", "email_invalid", id="an_ip_literal"),
    pytest.param("siti@example.com\r\nBcc: budi@example.com", "email_invalid", id="a_header_injection"),
    pytest.param("siti@example.com, budi@example.com", "email_invalid", id="two_addresses"),
]


@pytest.fixture
def site(db):
    return make_site(db)


def book_with(client, email: str):
    return client.post(BOOK, json=booking_body(at(TOMORROW, 8), citizen={"email": email}, channels=["email"]))


def stored_address(db) -> str:
    """The address the worker will send the confirmation to: the booking row's, as ``workers.tasks`` reads it."""
    with db.read() as session:
        confirmation = session.scalar(select(Notification).where(Notification.kind == "booking_confirmed"))
        assert confirmation.channel == "email"
        return session.get(Booking, confirmation.booking_id).citizen_email


@pytest.mark.parametrize(("given", "arrives_at"), ACCEPTED)
def test_an_accepted_address_receives_the_confirmation_at_a_real_smtp_server(client, db, site, given, arrives_at):
    made = book_with(client, given)
    assert made.status_code == 201, made.text

    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        outcome = deliver("email", stored_address(db), message, url_template=mailbox.url(), message_id="antrian-1")

    assert outcome.delivered, outcome
    assert [envelope.rcpt_tos for envelope in mailbox.envelopes] == [[arrives_at]]


@pytest.mark.parametrize(("given", "code"), REFUSED)
def test_an_address_that_cannot_be_sent_is_refused_at_booking(client, db, site, given, code):
    refused = book_with(client, given)

    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "validation_error"
    [error] = problem["errors"]
    assert (error["field"], error["code"]) == ("citizen.email", code)
    assert error["message"] and error["message"] != "Nilai tidak valid."  # its own words, not the fallback
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_the_citizen_sees_the_address_in_the_form_it_will_be_sent_to(client, site):
    made = book_with(client, "warga@bücher.de")
    assert made.json()["citizen"]["email"] == "w***@xn--bcher-kva.de"
