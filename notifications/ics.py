"""The calendar file attached to e-mails: one VEVENT per booking, in UTC, identified by the booking code.

Confirmation and reschedule publish the event (the same UID, so a reschedule moves the entry in the
citizen's calendar); cancellation sends METHOD:CANCEL with STATUS:CANCELLED. SEQUENCE is 0 at first and
then grows with time, so the latest message always wins in a calendar that saw the earlier ones.
"""

from __future__ import annotations

from datetime import UTC, datetime

PRODID = "-//Antrian//Mal Pelayanan Publik//ID"
_SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# Which kinds carry a calendar file, and with which METHOD.
METHODS = {"booking_confirmed": "PUBLISH", "booking_rescheduled": "PUBLISH", "booking_cancelled": "CANCEL"}


def uid_for(code: str) -> str:
    return f"{code}@antrian"


def calendar_file(
    kind: str,
    *,
    code: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str,
    url: str = "",
    now: datetime | None = None,
) -> bytes | None:
    """The .ics bytes for ``kind``, or None for kinds that change nothing in a calendar (reminders)."""
    method = METHODS.get(kind)
    if method is None:
        return None
    now = (now or datetime.now(UTC)).astimezone(UTC)
    # imported here: icalendar is 7 MiB of every API process's memory, for a file the booking page offers
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid_for(code))
    event.add("dtstamp", now.replace(microsecond=0))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    if url.startswith(("https://", "http://")):
        event.add("url", url)
    event.add("sequence", 0 if kind == "booking_confirmed" else _sequence(now))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def _sequence(now: datetime) -> int:
    """Minutes since 2026: larger than any earlier message's sequence for the same booking."""
    return max(1, int((now - _SEQUENCE_EPOCH).total_seconds() // 60))
