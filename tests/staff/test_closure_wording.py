"""A closure's notice says what closed (an agency, a counter, the MPP) and when, in the citizen's language:
in the booking's cancellation reason, in every message rendered from it, and on the day it closes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.models import Booking
from notifications.render import render
from tests.factories import TOMORROW, at, booking_body

ADMIN = "/api/v1/admin"
DUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil"


def book(office, hour: int, minute: int, n: int, locale: str = "id") -> str:
    body = booking_body(at(TOMORROW, hour, minute), n, locale=locale)
    answer = office.client.post("/api/v1/sites/uji/bookings", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def close(office, **scope) -> None:
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), **scope}
    answer = office.client.post(f"{ADMIN}/closures?force=true", json=closure, headers=office.admin)
    assert answer.status_code == 201, answer.text


def messages(office, code: str, locale: str):
    """The cancellation as the worker renders it from the booking's row: SMS and e-mail."""
    from workers.tasks import booking_facts

    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        facts = booking_facts(booking)
        return (
            booking.cancel_reason,
            render("booking_cancelled", "sms", locale, facts),
            render("booking_cancelled", "email", locale, facts),
        )


def day_reason(office, service: str = "KTP", language: str = "id") -> str | None:
    days = office.client.get(
        f"/api/v1/sites/uji/services/{service}/availability",
        params={"from": str(TOMORROW), "to": str(TOMORROW)},
        headers={"Accept-Language": language},
    ).json()["days"]
    return days[0].get("reason")


def without_link(text: str) -> str:
    return re.sub(r"http://\S+", "LINK", text)


# What the citizen reads, per language: the reason kept on the booking, the SMS, and e-mail lines.
AGENCY_CLOSED = {
    "id": (
        f"{DUKCAPIL} tutup: listrik padam",
        f"MPP Uji: Pemesanan {{code}} dibatalkan. Perekaman KTP-el - {DUKCAPIL}, "
        f"Selasa, 1 Desember 2026 pukul 09.00 WIB. Alasan: {DUKCAPIL} tutup: listrik padam. Detail: LINK",
        ["Waktu: Selasa, 1 Desember 2026 pukul 09.00\u201309.30 WIB", f"Alasan: {DUKCAPIL} tutup: listrik padam"],
    ),
    "en": (
        f"{DUKCAPIL} is closed: power cut",
        f"MPP Uji: Booking {{code}} cancelled. Perekaman KTP-el - {DUKCAPIL}, "
        f"Tuesday 1 December 2026 at 09:00 WIB. Reason: {DUKCAPIL} is closed: power cut. Details: LINK",
        ["Time: Tuesday 1 December 2026 at 09:00\u201309:30 WIB", f"Reason: {DUKCAPIL} is closed: power cut"],
    ),
}


@pytest.mark.parametrize("locale", ["id", "en"])
def test_an_agency_s_closure_names_the_agency_and_the_day(office, locale):
    code = book(office, 9, 0, 1, locale=locale)
    close(office, agency="dukcapil", reason="listrik padam", reason_en="power cut")

    reason, sms, email = messages(office, code, locale)
    told, sms_text, email_lines = AGENCY_CLOSED[locale]
    assert reason == told
    assert without_link(sms.text) == sms_text.format(code=code)
    assert all(f"\n{line}\n" in email.text for line in email_lines)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", without_link(email.text + sms.text))  # no ISO date anywhere
    assert day_reason(office, language=locale) == told
    assert day_reason(office, "PKB") is None  # the other agency works that day


def test_a_counter_s_closure_names_the_counter(office):
    codes = [book(office, 9, 0, n) for n in range(1, 5)]  # two counters, two places each
    close(office, counter="Loket 1", reason="AC rusak", reason_en="air conditioning broken")

    with office.db.read() as session:
        reasons = dict(session.execute(select(Booking.code, Booking.cancel_reason)).all())
    told = sorted(reasons[code.replace("-", "")] or "kept" for code in codes)
    assert told == ["Loket 1 tutup: AC rusak", "Loket 1 tutup: AC rusak", "kept", "kept"]
    assert day_reason(office) is None  # Loket 2 still serves that day

    close(office, counter="Loket 2", reason="AC rusak", reason_en="air conditioning broken")
    assert day_reason(office) == "Loket 1, Loket 2 tutup: AC rusak"
    assert day_reason(office, language="en") == "Loket 1, Loket 2 are closed: air conditioning broken"


def test_the_whole_mpp_s_closure_says_the_mpp_closed(office):
    code = book(office, 9, 0, 1)
    close(office, reason="Pemadaman listrik", reason_en="Power cut")

    reason, sms, _ = messages(office, code, "id")
    assert reason == "MPP tutup: Pemadaman listrik"
    assert "Alasan: MPP tutup: Pemadaman listrik. Detail:" in sms.text
    assert day_reason(office) == "Pemadaman listrik"  # the calendar: the MPP's own words
