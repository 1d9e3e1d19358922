"""The outbox:// plugin writes each message as a file a newcomer can open and read."""

from __future__ import annotations

import email
from email import policy

from icalendar import Calendar

from notifications import sms
from notifications.delivery import Outcome, deliver
from notifications.outbox_plugin import outbox_url
from notifications.render import render
from tests.notifications.samples import booking_facts

PHONE = "+6281234567890"


def test_an_sms_becomes_a_readable_text_file(tmp_path):
    folder = tmp_path / "var" / "outbox"
    message = render("booking_confirmed", "sms", "id", booking_facts())

    outcome = deliver("sms", PHONE, message, url_template=outbox_url(folder), message_id="17")

    assert outcome == Outcome(delivered=True)
    [written] = folder.iterdir()
    assert written.name.endswith("-sms-17.txt")
    content = written.read_text(encoding="utf-8")
    header, body = content.split("\n\n", 1)
    assert "Channel: sms" in header and f"To: {PHONE}" in header and "Message-Id: 17" in header
    assert f"{sms.segments(message.text)} segment(s)" in header
    assert body == message.text + "\n"


def test_a_whatsapp_message_becomes_a_text_file_too(tmp_path):
    message = render("reminder_soon", "whatsapp", "en", booking_facts())

    deliver("whatsapp", PHONE, message, url_template=outbox_url(tmp_path), message_id="18")

    [written] = tmp_path.iterdir()
    assert written.name.endswith("-whatsapp-18.txt")
    assert "Channel: whatsapp" in written.read_text(encoding="utf-8")
    assert message.text in written.read_text(encoding="utf-8")


def test_an_email_becomes_an_eml_with_text_html_and_the_calendar_file(tmp_path):
    message = render("booking_rescheduled", "email", "id", booking_facts())

    deliver("email", "siti@example.com", message, url_template=outbox_url(tmp_path), message_id="19")

    [written] = tmp_path.iterdir()
    assert written.name.endswith("-email-19.eml")
    mail = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert mail["To"] == "siti@example.com"
    assert mail["Subject"] == message.subject
    assert "Jadwal pemesanan antrean Anda sudah diubah." in mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)).get_content().strip() == message.html.strip()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "antrian-FBJ5-HX5W.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(event["UID"]) == "FBJ5-HX5W@antrian"


def test_a_message_sent_twice_is_two_files_nothing_hidden(tmp_path):
    message = render("booking_confirmed", "sms", "id", booking_facts())

    for _ in range(2):
        deliver("sms", PHONE, message, url_template=outbox_url(tmp_path), message_id="20")

    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 2
    assert not any(name.startswith(".") for name in names)  # no half-written leftovers


def test_the_folder_path_may_contain_spaces(tmp_path):
    folder = tmp_path / "data dir" / "outbox"

    deliver("sms", PHONE, render("reminder_soon", "sms", "id", booking_facts()), url_template=outbox_url(folder),
            message_id="21")  # fmt: skip

    assert len(list(folder.iterdir())) == 1


def test_a_bad_recipient_writes_nothing(tmp_path):
    message = render("booking_confirmed", "sms", "id", booking_facts())

    outcome = deliver("sms", "0812&to=x", message, url_template=outbox_url(tmp_path), message_id="22")

    assert outcome.permanent and not outcome.delivered
    assert list(tmp_path.iterdir()) == []
