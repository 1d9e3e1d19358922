"""Every message renders, says the facts the Indonesian way, stays within two SMS and escapes its HTML."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from notifications import sms
from notifications.render import CHANNELS, KINDS, format_span, format_when, render
from tests.notifications.samples import MANAGE_URL, booking_facts, demo_services, longest_demo_facts

LOCALES = ("id", "en")
# "Your turn soon" is about a ticket on the floor, not a booking: it names the ticket and links to its page.
# The survey is about a visit that is over: it links to the survey, never to the booking.
# A waiting-list offer is a place not yet booked: no code yet, the link is the entry's page.
BOOKING_KINDS = tuple(kind for kind in KINDS if kind not in ("turn_soon", "survey", "waitlist_offer"))


def link_of(kind, facts):
    links = {"turn_soon": facts.ticket_url, "survey": facts.survey_url, "waitlist_offer": facts.offer_url}
    return links.get(kind, facts.manage_url)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", BOOKING_KINDS)
def test_every_kind_renders_on_every_channel_in_both_languages(kind, channel, locale):
    facts = booking_facts()
    message = render(kind, channel, locale, facts)

    assert facts.code in message.text
    assert facts.manage_url in message.text
    assert (
        format_when(facts.start, locale) in message.text or format_span(facts.start, facts.end, locale) in message.text
    )
    if channel == "email":
        assert message.subject and (facts.code in message.subject or facts.service in message.subject)
        assert message.html and facts.code in message.html
    else:
        assert (message.subject, message.html, message.ics) == (None, None, None)
    if channel != "sms":
        for fact in (facts.agency, facts.service, facts.counter, facts.site_name):
            assert fact in message.text
        bring = {"id": "Yang perlu dibawa", "en": "What to bring"}[locale]
        assert (bring in message.text) == (kind != "booking_cancelled")
        if kind != "booking_cancelled":
            assert all(item in message.text for item in facts.requirements)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_a_waitlist_offer_links_to_the_entry_says_until_when_and_shows_no_code_yet(channel, locale):
    zone = ZoneInfo("Asia/Jakarta")
    facts = replace(booking_facts(), offer_until=datetime(2026, 12, 2, 10, 35, tzinfo=zone))
    message = render("waitlist_offer", channel, locale, facts)

    assert facts.offer_url in message.text
    assert {"id": "10.35 WIB", "en": "10:35 WIB"}[locale] in message.text
    assert facts.manage_url not in message.text and facts.code not in message.text  # not a booking yet
    assert facts.service in message.text or channel == "sms"
    if channel == "sms":
        assert sms.fits(message.text)
    else:
        assert facts.counter in message.text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_your_turn_soon_names_the_ticket_and_links_to_its_page_not_the_booking(channel, locale):
    facts = booking_facts()
    message = render("turn_soon", channel, locale, facts)

    assert facts.ticket in message.text
    assert facts.ticket_url in message.text
    assert facts.manage_url not in message.text  # the manage token stays out of a message about the floor
    assert facts.service in message.text
    if channel == "email":
        assert facts.ticket in message.subject and facts.ticket in message.html
        assert message.ics is None


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_the_survey_message_links_to_the_survey_never_to_the_manage_link(channel, locale):
    facts = booking_facts()
    message = render("survey", channel, locale, facts)

    assert facts.survey_url in message.text
    assert facts.manage_url not in message.text and "token=" not in message.text
    assert facts.service in message.text
    assert {"id": "survei kepuasan", "en": "satisfaction survey"}[locale] in message.text
    if channel != "sms":
        until = {"id": "Kamis, 10 Desember 2026", "en": "Thursday 10 December 2026"}[locale]
        assert until in message.text  # the day the link stops working
    if channel == "email":
        assert facts.service in message.subject and facts.survey_url in message.html
        assert message.ics is None


@pytest.mark.parametrize(
    "zone, start, indonesian, english",
    [
        ("Asia/Jakarta", (2026, 12, 3, 8, 30), "Kamis, 3 Desember 2026 pukul 08.30 WIB",
         "Thursday 3 December 2026 at 08:30 WIB"),
        ("Asia/Makassar", (2026, 9, 30, 13, 15), "Rabu, 30 September 2026 pukul 13.15 WITA",
         "Wednesday 30 September 2026 at 13:15 WITA"),
        ("Asia/Jayapura", (2027, 1, 1, 7, 0), "Jumat, 1 Januari 2027 pukul 07.00 WIT",
         "Friday 1 January 2027 at 07:00 WIT"),
    ],
)  # fmt: skip
def test_dates_are_written_the_indonesian_way_with_the_zone(zone, start, indonesian, english):
    moment = datetime(*start, tzinfo=ZoneInfo(zone))
    facts = booking_facts(zone=zone, start=moment, end=moment.replace(minute=moment.minute + 15))

    assert format_when(moment, "id") == indonesian
    assert format_when(moment, "en") == english
    assert indonesian in render("booking_confirmed", "sms", "id", facts).text
    assert english in render("booking_confirmed", "sms", "en", facts).text
    assert indonesian in render("reminder_day_before", "email", "id", facts).subject


def test_a_bare_utc_offset_still_gets_its_indonesian_zone_name():
    moment = datetime(2026, 12, 3, 8, 30, tzinfo=timezone(timedelta(hours=8)))

    assert format_when(moment, "id") == "Kamis, 3 Desember 2026 pukul 08.30 WITA"


def test_the_email_gives_the_time_span():
    text = render("booking_confirmed", "email", "id", booking_facts()).text

    assert "Waktu: Kamis, 3 Desember 2026 pukul 08.30\u201308.45 WIB" in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_sms_fits_two_segments_with_the_longest_demo_names_and_keeps_its_facts_and_link(kind, locale):
    facts = longest_demo_facts(
        reason="Petugas loket berhalangan hadir karena mengikuti rapat koordinasi di kantor bupati"
    )
    text = render(kind, "sms", locale, facts).text

    assert sms.is_gsm7(text)
    assert sms.segments(text) <= 2, (len(text), text)
    assert link_of(kind, facts) in text
    if kind == "turn_soon":
        assert facts.ticket in text
    elif kind == "survey":
        assert facts.manage_url not in text
    elif kind == "waitlist_offer":  # no code before it is accepted; the time of the place and the deadline
        assert format_when(facts.start, locale) in text and {"id": "10.35", "en": "10:35"}[locale] in text
    else:
        assert facts.code in text
        assert format_when(facts.start, locale) in text
        assert (facts.counter in text) == (kind != "booking_cancelled")  # a cancelled booking has no counter to go to


@pytest.mark.parametrize("locale", LOCALES)
def test_sms_fits_two_segments_for_every_demo_service(locale):
    for agency, service, _ in demo_services():
        facts = longest_demo_facts(agency=agency, service=service)
        for kind in KINDS:
            text = render(kind, "sms", locale, facts).text
            assert sms.segments(text) <= 2, text
            assert link_of(kind, facts) in text


def test_sms_keeps_short_names_whole():
    text = render("booking_confirmed", "sms", "id", booking_facts()).text

    assert text == (
        "MPP Kabupaten Blora: Pemesanan FBJ5-HX5W terkonfirmasi. Perekaman KTP-el (pemula) - "
        "Dinas Kependudukan dan Pencatatan Sipil (Dindukcapil). Kamis, 3 Desember 2026 pukul 08.30 WIB, Loket 3. "
        f"Persyaratan, ubah/batal: {MANAGE_URL}"
    )


def test_sms_shortens_the_agency_to_its_abbreviation_first():
    facts = longest_demo_facts(agency="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu (DPMPTSP)")
    text = render("booking_confirmed", "sms", "id", facts).text

    assert " - DPMPTSP." in text
    assert "Dinas Penanaman" not in text


def test_a_cancellation_says_why_when_staff_gave_a_reason():
    facts = booking_facts(reason="Loket tutup karena pemadaman listrik")

    for channel in CHANNELS:
        assert "Alasan: Loket tutup karena pemadaman listrik" in render("booking_cancelled", channel, "id", facts).text
        assert "Reason: Loket tutup" in render("booking_cancelled", channel, "en", facts).text
    assert "Alasan" not in render("booking_cancelled", "sms", "id", booking_facts()).text


def test_html_escapes_every_value():
    facts = booking_facts(
        service="<script>alert('x')</script>",
        agency="Dinas A & B",
        requirements=("<b>KK</b>",),
        reason='"><img src=x onerror=alert(1)>',
        manage_url='https://antrian.example/b/X?token=a"onmouseover="alert(1)',
    )
    for kind in KINDS:
        page = render(kind, "email", "id", facts).html
        assert "<script>" not in page and "<img" not in page and "<b>KK</b>" not in page
        assert "&lt;script&gt;" in page
        assert "Dinas A &amp; B" in page
        assert 'a"onmouseover' not in page


def test_a_link_that_is_not_a_web_address_is_not_clickable():
    page = render("booking_confirmed", "email", "id", booking_facts(manage_url="javascript:alert(1)")).html

    assert 'href="javascript' not in page


@pytest.mark.parametrize("locale", LOCALES)
def test_the_calendar_file_parses_with_utc_times_and_the_booking_uid(locale):
    facts = booking_facts()
    calendar = Calendar.from_ical(render("booking_confirmed", "email", locale, facts).ics)
    [event] = calendar.walk("VEVENT")

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == "FBJ5-HX5W@antrian"
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 3, 1, 45, tzinfo=UTC)
    assert event["DTSTART"].to_ical() == b"20261203T013000Z"
    assert facts.service in str(event["SUMMARY"])
    assert facts.site_name in str(event["LOCATION"]) and "Loket 3" in str(event["LOCATION"])
    assert facts.code in str(event["DESCRIPTION"]) and facts.manage_url in str(event["DESCRIPTION"])
    assert "fotokopi KK" in str(event["DESCRIPTION"])


def test_a_reschedule_moves_the_same_event_and_a_cancellation_cancels_it():
    facts = booking_facts()
    [confirmed] = Calendar.from_ical(render("booking_confirmed", "email", "id", facts).ics).walk("VEVENT")
    moved_calendar = Calendar.from_ical(render("booking_rescheduled", "email", "id", facts).ics)
    [moved] = moved_calendar.walk("VEVENT")
    cancelled_calendar = Calendar.from_ical(render("booking_cancelled", "email", "id", facts).ics)
    [cancelled] = cancelled_calendar.walk("VEVENT")

    assert confirmed["UID"] == moved["UID"] == cancelled["UID"]
    assert int(moved["SEQUENCE"]) > int(confirmed["SEQUENCE"])
    assert int(cancelled["SEQUENCE"]) >= int(moved["SEQUENCE"])
    assert str(cancelled_calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize("kind", ["reminder_day_before", "reminder_soon"])
def test_reminders_carry_no_calendar_file(kind):
    assert render(kind, "email", "id", booking_facts()).ics is None


def test_locales_fall_back_to_indonesian():
    facts = booking_facts()

    assert (
        render("booking_confirmed", "sms", "en-US", facts).text == render("booking_confirmed", "sms", "en", facts).text
    )
    assert render("booking_confirmed", "sms", "fr", facts).text == render("booking_confirmed", "sms", "id", facts).text


def test_unknown_kinds_channels_and_naive_times_are_refused():
    facts = booking_facts()
    with pytest.raises(ValueError):
        render("booking_forgotten", "sms", "id", facts)
    with pytest.raises(ValueError):
        render("booking_confirmed", "pigeon", "id", facts)
    with pytest.raises(ValueError):
        render("booking_confirmed", "sms", "id", booking_facts(start=datetime(2026, 12, 3, 8, 30)))
