"""Delivery through Apprise into real servers: an SMTP server and an HTTP gateway, both started here."""

from __future__ import annotations

import email
import logging
from email import policy

import pytest
from icalendar import Calendar

from notifications.delivery import Outcome, check_url_template, deliver
from notifications.render import render
from tests.notifications.samples import TOKEN, booking_facts
from tests.notifications.servers import free_port, http_gateway, smtp_server

PHONE = "+6281234567890"


def received(mailbox) -> email.message.EmailMessage:
    [envelope] = mailbox.envelopes
    return email.message_from_bytes(envelope.content, policy=policy.default)


@pytest.mark.parametrize(
    "locale, subject, words",
    [("id", "Pemesanan FBJ5-HX5W terkonfirmasi: Kamis, 3 Desember 2026 pukul 08.30 WIB", "Kode pemesanan: FBJ5-HX5W"),
     ("en", "Booking FBJ5-HX5W confirmed: Thursday 3 December 2026 at 08:30 WIB", "Booking code: FBJ5-HX5W")],
)  # fmt: skip
def test_an_email_reaches_a_real_smtp_server_in_the_chosen_language(locale, subject, words):
    message = render("booking_confirmed", "email", locale, booking_facts())
    with smtp_server() as mailbox:
        outcome = deliver("email", "siti+antrian@example.com", message, url_template=mailbox.url(), message_id="n-1")

    assert outcome == Outcome(delivered=True)
    assert mailbox.envelopes[0].rcpt_tos == ["siti+antrian@example.com"]
    mail = received(mailbox)
    assert mail["Subject"] == subject
    assert mail["To"] == "siti+antrian@example.com"
    assert words in mail.get_body(("plain",)).get_content()
    assert words.replace(": ", ":</b> ") in mail.get_body(("html",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "antrian-FBJ5-HX5W.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(event["UID"]) == "FBJ5-HX5W@antrian"


def test_a_reminder_email_has_no_attachment():
    message = render("reminder_day_before", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        assert deliver("email", "siti@example.com", message, url_template=mailbox.url(), message_id="n-2").delivered

    mail = received(mailbox)
    assert list(mail.iter_attachments()) == []
    assert "Kami mengingatkan jadwal layanan Anda besok." in mail.get_body(("plain",)).get_content()


def test_the_calendar_file_is_removed_after_sending(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        deliver("email", "siti@example.com", message, url_template=mailbox.url(), message_id="n-3")

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "rcpt_reply, data_reply, permanent, error",
    [("550 5.1.1 No such user here", None, True, "SMTP 550"),
     ("451 4.3.0 Mailbox busy, try later", None, False, "SMTP 451"),
     (None, "554 5.7.1 Message rejected", True, "SMTP 554")],
)  # fmt: skip
def test_smtp_refusals_are_permanent_for_5xx_and_transient_for_4xx(rcpt_reply, data_reply, permanent, error):
    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server(rcpt_reply=rcpt_reply, data_reply=data_reply) as mailbox:
        outcome = deliver("email", "siti@example.com", message, url_template=mailbox.url(), message_id="n-4")

    assert outcome == Outcome(delivered=False, permanent=permanent, error=error)


def test_no_smtp_server_listening_is_transient():
    message = render("booking_confirmed", "email", "id", booking_facts())
    url = f"mailto://127.0.0.1:{free_port()}?to={{to}}&from=antrian@example.test"

    assert deliver("email", "siti@example.com", message, url_template=url, message_id="n-5") == Outcome(
        delivered=False, permanent=False, error="connection refused"
    )


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_text_reaches_the_gateway_once_with_e164_recipient_and_idempotency_key(channel):
    message = render("booking_confirmed", channel, "id", booking_facts())
    with http_gateway() as gateway:
        outcome = deliver(channel, PHONE, message, url_template=gateway.url(f"/{channel}"), message_id="42")

    assert outcome == Outcome(delivered=True)
    [request] = gateway.requests
    assert request.path == f"/{channel}"
    assert request.payload["to"] == PHONE
    assert request.payload["message"] == message.text
    assert request.headers["X-Idempotency-Key"] == "42"


def test_gateway_payload_fields_and_headers_from_settings_arrive():
    message = render("reminder_soon", "sms", "en", booking_facts())
    template_query = ":to={to}&:message=text&:sender=MPPBLORA&+Authorization=Bearer%20abc"
    with http_gateway() as gateway:
        deliver("sms", PHONE, message, url_template=gateway.url("/api/send", template_query), message_id="43")

    [request] = gateway.requests
    assert request.payload["text"] == message.text and "message" not in request.payload
    assert request.payload["sender"] == "MPPBLORA"
    assert request.headers["Authorization"] == "Bearer abc"


@pytest.mark.parametrize(
    "status, permanent",
    [(500, False), (503, False), (400, True), (401, True), (404, True), (422, True), (408, False), (429, False)],
)
def test_gateway_answers_decide_between_retry_and_give_up(status, permanent):
    message = render("booking_confirmed", "sms", "id", booking_facts())
    with http_gateway(status=status) as gateway:
        outcome = deliver("sms", PHONE, message, url_template=gateway.url(), message_id="44")

    assert outcome == Outcome(delivered=False, permanent=permanent, error=f"HTTP {status}")
    assert len(gateway.requests) == 1  # Apprise does not retry on its own; the worker decides


def test_no_gateway_listening_is_transient():
    message = render("booking_confirmed", "sms", "id", booking_facts())
    url = f"json://127.0.0.1:{free_port()}/sms?:to={{to}}"

    assert deliver("sms", PHONE, message, url_template=url, message_id="45") == Outcome(
        delivered=False, permanent=False, error="connection refused"
    )


def test_a_gateway_too_slow_to_answer_is_a_transient_timeout():
    message = render("booking_confirmed", "sms", "id", booking_facts())
    with http_gateway(delay=600) as gateway:  # holds the answer until the test is over: never "in time"
        outcome = deliver("sms", PHONE, message, url_template=gateway.url(query=":to={to}&rto=0.5"), message_id="46")

    assert outcome == Outcome(delivered=False, permanent=False, error="timeout")


@pytest.mark.parametrize(
    "channel, recipient",
    [("sms", "0812"), ("sms", "081234567890"), ("sms", "+62abc"), ("sms", "+62 812 3456 7890"),
     ("sms", "+6281234567890&to=evil"), ("sms", "+62812/34567890"), ("sms", "+6281234567890\n"),
     ("whatsapp", ""), ("whatsapp", "+6281234567890&:to=+1555"), ("sms", "siti@example.test")],
)  # fmt: skip
def test_a_bad_number_is_refused_before_any_request(channel, recipient):
    message = render("booking_confirmed", channel, "id", booking_facts())
    with http_gateway() as gateway:
        outcome = deliver(channel, recipient, message, url_template=gateway.url(), message_id="47")

    assert outcome == Outcome(delivered=False, permanent=True, error="invalid recipient")
    assert gateway.requests == []


@pytest.mark.parametrize(
    "recipient",
    ["a@", "@example.com", "siti", "siti@example", "siti@example.com&to=evil@example.com",
     "siti@example.com,evil@example.com", "siti@example.com/x", "siti @example.com",
     "siti@exa_mple.com", "+6281234567890", "o'neil@example.com", "siti@example.com\n", "siti@example.test",
     "x" * 65 + "@example.com", "wärga@example.com"],
)  # fmt: skip
def test_a_bad_address_is_refused_before_any_mail(recipient):
    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        outcome = deliver("email", recipient, message, url_template=mailbox.url(), message_id="48")

    assert outcome == Outcome(delivered=False, permanent=True, error="invalid recipient")
    assert mailbox.envelopes == []


@pytest.mark.parametrize(
    "recipient",
    ["siti.aminah@example.com", "a_b-c+d@mail.example.co.id", "X.Y@x.id", "a&b@example.com", "siti/x@example.com"],
)
def test_ordinary_addresses_arrive_unchanged(recipient):
    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        assert deliver("email", recipient, message, url_template=mailbox.url(), message_id="49").delivered

    assert mailbox.envelopes[0].rcpt_tos == [recipient]


def test_an_address_kept_with_an_internationalised_domain_is_sent_to_its_ascii_form():
    """Bookings made before the shared rule kept "bücher.de" as typed; delivery applies the rule and sends."""
    message = render("booking_confirmed", "email", "id", booking_facts())
    with smtp_server() as mailbox:
        assert deliver("email", "warga@bücher.de", message, url_template=mailbox.url(), message_id="50").delivered

    assert mailbox.envelopes[0].rcpt_tos == ["warga@xn--bcher-kva.de"]


def test_settings_mistakes_are_errors_not_outcomes():
    message = render("booking_confirmed", "sms", "id", booking_facts())
    with pytest.raises(ValueError, match="to"):
        deliver("sms", PHONE, message, url_template="json://127.0.0.1:9/sms?:to=+6281234567890", message_id="1")
    with pytest.raises(ValueError, match="channel"):
        deliver("fax", PHONE, message, url_template="json://127.0.0.1:9/sms?:to={to}", message_id="1")
    with pytest.raises(ValueError, match="Apprise"):
        deliver("sms", PHONE, message, url_template="nosuchscheme://x?to={to}", message_id="1")
    with pytest.raises(ValueError, match="message_id"):
        deliver("sms", PHONE, message, url_template="json://127.0.0.1:9/sms?:to={to}", message_id="1\r\nX-Evil: 1")


def test_settings_can_be_checked_at_start_up_without_sending():
    check_url_template("sms", "json://127.0.0.1:9/sms?:to={to}")
    check_url_template("email", "mailtos://user:pass@smtp.example.com:587?to={to}&from=antrian@example.com")
    check_url_template("whatsapp", "outbox:///srv/antrian/var/outbox?to={to}")
    for channel, template in [("sms", "json://127.0.0.1:9/sms"), ("sms", "nosuchscheme://x?to={to}"), ("fax", "")]:
        with pytest.raises(ValueError):
            check_url_template(channel, template)


def test_no_credentials_recipient_or_token_in_outcomes_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    facts = booking_facts()
    with http_gateway(status=500) as gateway:
        url = f"json://gateway-user:s3cr3t-pass@127.0.0.1:{gateway.port}/sms?-apikey=k3y-s3cr3t&-to={{to}}"
        failed = deliver(
            "sms", PHONE, render("booking_confirmed", "sms", "id", facts), url_template=url, message_id="50"
        )
    with smtp_server(rcpt_reply="550 5.1.1 <siti.aminah@example.com> unknown") as mailbox:
        url = mailbox.url("to={to}&from=antrian@example.test&user=mail-user&pass=m41l-s3cr3t")
        refused = deliver(
            "email", "siti.aminah@example.com", render("booking_confirmed", "email", "id", facts),
            url_template=url, message_id="51",
        )  # fmt: skip

    assert (failed.error, refused.error) == ("HTTP 500", "SMTP 550")
    # What reaches the application's handlers: not Apprise's lines (pytest also hooks non-propagating
    # loggers, the application does not), not the test SMTP server's.
    assert logging.getLogger("apprise").propagate is False
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.split(".")[0] not in ("apprise", "mail", "asyncio")
    )
    assert "sms message 50 not delivered (transient): HTTP 500" in ours
    assert "email message 51 not delivered (permanent): SMTP 550" in ours
    for secret in ("s3cr3t", "6281234567890", "siti.aminah", TOKEN, "gateway-user", "mail-user"):
        assert secret not in ours
