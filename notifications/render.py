"""Turn the facts of a booking into the message a citizen receives: SMS, WhatsApp or e-mail, id or en.

Pure functions of plain data: no database, no HTTP, no Apprise. The wording lives in ``templates``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from babel.dates import format_datetime, get_timezone_name

from notifications import sms
from notifications.ics import calendar_file
from notifications.templates import DATE_TIME_PATTERN, DEFAULT_LOCALE, LABELS, LOCALES, TIME_PATTERN, WORDING

KINDS = (
    "booking_confirmed",
    "reminder_day_before",
    "reminder_soon",
    "booking_cancelled",
    "booking_rescheduled",
    "turn_soon",  # a queue ticket a few places from its turn: the link is the ticket's page
    "survey",  # after the visit: the link is the satisfaction survey's page, never the manage link
    "waitlist_offer",  # a place held from the waiting list: the link is the entry's page, to accept or decline
)
CHANNELS = ("sms", "email", "whatsapp")


@dataclass(frozen=True)
class VisitLine:
    """One booking of a visit under one code: a step (service, agency, time, counter) and, in a family, whose."""

    service: str
    agency: str
    counter: str
    start: datetime  # aware, in the site's zone
    end: datetime
    who: str = ""  # a family member's name; "" when the visit is one citizen's


@dataclass(frozen=True)
class BookingFacts:
    """Everything a message may say about a booking; all plain values."""

    code: str  # "FBJ5-HX5W"
    site_name: str  # "Mal Pelayanan Publik Kabupaten Blora"
    site_address: str
    agency: str
    service: str
    counter: str  # "Loket 3"
    start: datetime  # aware, in the site's zone
    end: datetime  # aware, in the site's zone
    requirements: tuple[str, ...]
    manage_url: str  # the citizen's private link: it holds the manage token, never log it
    reason: str | None = None  # why staff cancelled, if they said
    ticket: str = ""  # the queue ticket, "A-012", for turn_soon
    ticket_url: str = ""  # the public page that follows it
    survey_url: str = ""  # the visit's satisfaction survey (its token is in it: never log it)
    survey_until: datetime | None = None  # when the survey's link stops working, aware, in the site's zone
    offer_url: str = ""  # a waiting-list offer's page, to accept or decline (its token is in it: never log it)
    offer_until: datetime | None = None  # when the place stops being held, aware, in the site's zone
    visit: tuple[VisitLine, ...] = ()  # a visit's lead: every booking of the visit, the lead's first


@dataclass(frozen=True)
class Rendered:
    text: str  # SMS / WhatsApp text, or the plain-text e-mail body
    subject: str | None = None  # e-mail only
    html: str | None = None  # e-mail only
    ics: bytes | None = None  # e-mail only, for confirmation, reschedule and cancellation


def render(kind: str, channel: str, locale: str, facts: BookingFacts) -> Rendered:
    """The message of ``kind`` for ``channel`` in ``locale`` ("id" or "en"; anything else gets Indonesian)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if facts.start.utcoffset() is None or facts.end.utcoffset() is None:
        raise ValueError("start and end must be aware datetimes in the site's zone")
    language = language_of(locale)
    if channel == "sms":
        return Rendered(text=sms_text(kind, language, facts))
    if channel == "whatsapp":
        return Rendered(text=whatsapp_text(kind, language, facts))
    return Rendered(
        text=email_text(kind, language, facts),
        subject=subject(kind, language, facts),
        html=email_html(kind, language, facts),
        ics=email_calendar(kind, language, facts),
    )


def language_of(locale: str | None) -> str:
    primary = (locale or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LOCALES else DEFAULT_LOCALE


# --- dates -------------------------------------------------------------------------------------------


_INDONESIAN_OFFSETS = {7 * 3600: "WIB", 8 * 3600: "WITA", 9 * 3600: "WIT"}


def zone_abbreviation(moment: datetime) -> str:
    """WIB, WITA or WIT for the Indonesian zones (also in English messages: that is what people say)."""
    name = get_timezone_name(moment, "short", locale="id")
    if name.startswith(("+", "-", "GMT")):  # a bare offset rather than an IANA zone
        return _INDONESIAN_OFFSETS.get(int(moment.utcoffset().total_seconds()), name)
    return name


def format_when(moment: datetime, language: str) -> str:
    """Day, date, time and zone: "Kamis, 3 Desember 2026 pukul 08.30 WIB" / "Thursday 3 December 2026 at 08:30 WIB"."""
    stamp = format_datetime(moment, DATE_TIME_PATTERN[language], tzinfo=moment.tzinfo, locale=language)
    return f"{stamp} {zone_abbreviation(moment)}"


def format_time(moment: datetime, language: str) -> str:
    """The time of day and zone: "10.30 WIB" / "10:30 WIB" (a held place's deadline, later the same day)."""
    stamp = format_datetime(moment, TIME_PATTERN[language], tzinfo=moment.tzinfo, locale=language)
    return f"{stamp} {zone_abbreviation(moment)}"


def format_span(start: datetime, end: datetime, language: str) -> str:
    """Day, date, times and zone: "Kamis, 3 Desember 2026 pukul 08.30–08.45 WIB"."""
    first = format_datetime(start, DATE_TIME_PATTERN[language], tzinfo=start.tzinfo, locale=language)
    last = format_datetime(end.astimezone(start.tzinfo), TIME_PATTERN[language], tzinfo=start.tzinfo, locale=language)
    return f"{first}\u2013{last} {zone_abbreviation(start)}"


def _visit_day_of(moment: datetime, language: str) -> str:
    """The day alone: "Senin, 30 November 2026" / "Monday 30 November 2026"."""
    pattern = DATE_TIME_PATTERN[language].split(" '")[0]
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=language)


# --- SMS ---------------------------------------------------------------------------------------------


def sms_text(kind: str, language: str, facts: BookingFacts) -> str:
    """The SMS in GSM-7 within two segments: the names give way first, never the code, the time or the link."""
    fixed = {
        "code": _one_line(facts.code),
        "when": sms.to_gsm7(format_when(facts.start, language)),
        "counter": sms.to_gsm7(_one_line(facts.counter)),
        "url": _link_of(kind, facts),
        "ticket": _one_line(facts.ticket),
        "until": format_time(facts.offer_until, language) if facts.offer_until else "",
    }
    names = {
        "service": sms.to_gsm7(_one_line(_visit_service(facts, language))),
        "agency": sms.to_gsm7(_one_line(facts.agency)),
        "reason": sms.to_gsm7(_one_line(facts.reason or "")).rstrip(" ."),
        "site": sms.to_gsm7(short_site_name(_one_line(facts.site_name))),
    }
    compose = partial(_compose_sms, WORDING[language][kind].sms, LABELS[language]["sms_reason"], fixed)
    for abbreviate in (lambda n: n, _abbreviate_agency, _drop_service_parenthesis):
        names = abbreviate(names)
        if sms.fits(text := compose(names)):
            return text
    for field, floor in _SMS_TRUNCATIONS:
        overflow = sms.units(text)[1] - sms.budget(text)
        names = {**names, field: _truncate(names[field], max(floor, len(names[field]) - overflow))}
        if sms.fits(text := compose(names)):
            return text
    return text  # only an absurdly long link or counter gets here: it goes out in more segments


# Which name gives way next, and down to how many characters; the reason and service keep a readable start.
_SMS_TRUNCATIONS = (("reason", 60), ("service", 28), ("agency", 16), ("reason", 24), ("site", 16), ("service", 12))


def _visit_service(facts: BookingFacts, language: str) -> str:
    """What an SMS names as the service: a visit's steps with their times, and how many come."""
    if not facts.visit:
        return facts.service
    steps = list(dict.fromkeys((line.service, format_time(line.start, language)) for line in facts.visit))
    people = len({line.who for line in facts.visit})
    named = "; ".join(f"{service} {time}" if len(steps) > 1 else service for service, time in steps)
    return named + (" " + LABELS[language]["sms_people"].format(count=people) if people > 1 else "")


def _compose_sms(template: str, reason_label: str, fixed: dict[str, str], names: dict[str, str]) -> str:
    reason = names["reason"]
    if reason:
        reason = f" {reason_label} {reason}" + ("" if reason.endswith("...") else ".")
    return template.format(**fixed, **{**names, "reason": reason})


def _abbreviate_agency(names: dict[str, str]) -> dict[str, str]:
    return {**names, "agency": short_agency_name(names["agency"])}


def _drop_service_parenthesis(names: dict[str, str]) -> dict[str, str]:
    """Without the closing parenthesis: "Sertifikat Laik Higiene Sanitasi (rumah makan, ...)" loses "(...)"."""
    return {**names, "service": re.sub(r"\s*\([^()]*\)$", "", names["service"]) or names["service"]}


def short_site_name(name: str) -> str:
    """What people call it: "Mal Pelayanan Publik Kabupaten Blora" -> "MPP Kabupaten Blora"."""
    return re.sub(r"\bmal pelayanan publik\b", "MPP", name, flags=re.IGNORECASE)


def short_agency_name(name: str) -> str:
    """The abbreviation in the closing parentheses, "(DPMPTSP)", if the name has one."""
    match = re.search(r"\(([^()]{2,30})\)\s*$", name)
    return match.group(1).strip() if match else name


def _truncate(value: str, length: int) -> str:
    """At most ``length`` characters, cut at a word if one ends near, marked with "..."."""
    if len(value) <= length:
        return value
    cut = value[: max(length - 3, 1)]
    if " " in cut[-12:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.-(/") + "..."


def _one_line(value: str) -> str:
    return " ".join(value.split())


# --- e-mail and WhatsApp -----------------------------------------------------------------------------


def subject(kind: str, language: str, facts: BookingFacts) -> str:
    return WORDING[language][kind].subject.format(
        code=_one_line(facts.code),
        when=format_when(facts.start, language),
        service=_one_line(facts.service),
        ticket=_one_line(facts.ticket),
    )


def _link_of(kind: str, facts: BookingFacts) -> str:
    """The link a message ends with: the ticket's page when it is about the queue, the survey's page for a
    survey, else the manage link."""
    links = {"turn_soon": facts.ticket_url, "survey": facts.survey_url, "waitlist_offer": facts.offer_url}
    return links.get(kind, facts.manage_url).strip()


def details(kind: str, language: str, facts: BookingFacts) -> list[tuple[str, str]]:
    """The facts as (label, value) lines, in the order a citizen looks for them."""
    words = LABELS[language]
    place = ", ".join(part for part in (_one_line(facts.site_name), _one_line(facts.site_address)) if part)
    if kind == "survey":
        return [
            (words["service"], _one_line(facts.service)),
            (words["agency"], _one_line(facts.agency)),
            (words["visit"], _visit_day_of(facts.start, language)),
            (words["place"], place),
        ]
    if kind == "turn_soon":
        return [
            (words["ticket"], _one_line(facts.ticket)),
            (words["service"], _one_line(facts.service)),
            (words["agency"], _one_line(facts.agency)),
            (words["place"], place),
        ]
    lines = [
        (words["code"], _one_line(facts.code)),
        (words["service"], _one_line(facts.service)),
        (words["agency"], _one_line(facts.agency)),
        (words["when"], format_span(facts.start, facts.end, language)),
        (words["counter"], _one_line(facts.counter)),
        (words["place"], place),
    ]
    if kind == "waitlist_offer":  # no code yet: the place becomes a booking once accepted
        return [line for line in lines if line[0] != words["code"]]
    if facts.visit:  # one code for every step and member: each on its own line
        lines[1:5] = [
            (words["visit_line"].format(number=number), _visit_line(line, language))
            for number, line in enumerate(facts.visit, start=1)
        ]
    if kind == "booking_cancelled" and facts.reason and facts.reason.strip():
        lines.append((words["reason"], _one_line(facts.reason)))
    return lines


def _visit_line(line: VisitLine, language: str) -> str:
    parts = [f"{_one_line(line.service)} - {_one_line(line.agency)}", format_span(line.start, line.end, language)]
    parts.append(_one_line(line.counter))
    return ", ".join(parts) + (f" ({_one_line(line.who)})" if line.who else "")


def requirements(kind: str, language: str, facts: BookingFacts) -> list[str]:
    if not WORDING[language][kind].show_requirements:
        return []
    return [_one_line(item) for item in facts.requirements if item.strip()]


def closing(kind: str, language: str, facts: BookingFacts) -> list[str]:
    """The sentences before the link: what to do at the counter and what the link is for."""
    words = LABELS[language]
    if kind == "turn_soon":
        return [words["follow_ticket"]]
    if kind == "survey":
        until = _visit_day_of(facts.survey_until or facts.start, language)
        return [words["survey_link"].format(until=until)]
    if kind == "booking_cancelled":
        return [words["details"]]
    if kind == "waitlist_offer":
        return [words["offer_link"].format(until=format_time(facts.offer_until or facts.start, language))]
    return [words["show_code"], words["manage"]]


def email_text(kind: str, language: str, facts: BookingFacts) -> str:
    words = LABELS[language]
    parts = [words["greeting"], "", WORDING[language][kind].headline, ""]
    parts += [f"{label}: {value}" for label, value in details(kind, language, facts)]
    if items := requirements(kind, language, facts):
        parts += ["", words["bring"], *(f"- {item}" for item in items)]
    parts += ["", *closing(kind, language, facts), _link_of(kind, facts), words["private"]]
    parts += ["", words["thanks"], _one_line(facts.site_name)]
    return "\n".join(parts) + "\n"


def whatsapp_text(kind: str, language: str, facts: BookingFacts) -> str:
    words = LABELS[language]
    parts = [f"*{WORDING[language][kind].headline}*", _one_line(facts.site_name), ""]
    for label, value in details(kind, language, facts):
        parts.append(f"{label}: *{value}*" if label == words["code"] else f"{label}: {value}")
    if items := requirements(kind, language, facts):
        parts += ["", words["bring"], *(f"\u2022 {item}" for item in items)]
    parts += ["", *closing(kind, language, facts), _link_of(kind, facts), f"_{words['private']}_"]
    return "\n".join(parts)


def email_html(kind: str, language: str, facts: BookingFacts) -> str:
    """The HTML body; every value is escaped. Apprise derives the plain-text alternative from it."""
    words = LABELS[language]
    e = html.escape
    rows = "<br>".join(f"<b>{e(label)}:</b> {e(value)}" for label, value in details(kind, language, facts))
    body = [
        f"<p>{e(words['greeting'])}</p>",
        f"<p><b>{e(WORDING[language][kind].headline)}</b></p>",
        f"<p>{rows}</p>",
    ]
    if items := requirements(kind, language, facts):
        listed = "".join(f"<li>{e(item)}</li>" for item in items)
        body.append(f"<p><b>{e(words['bring'])}</b></p>\n<ul>{listed}</ul>")
    lines = "<br>".join(e(line) for line in closing(kind, language, facts))
    body.append(f"<p>{lines}<br>{_link(_link_of(kind, facts))}</p>")
    body.append(f"<p><small>{e(words['private'])}</small></p>")
    body.append(f"<p>{e(words['thanks'])}<br>{e(_one_line(facts.site_name))}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head><meta charset="utf-8">'
        f"<title>{e(subject(kind, language, facts))}</title></head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #1a1a1a">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def email_calendar(kind: str, language: str, facts: BookingFacts) -> bytes | None:
    """The .ics attachment: the same event (UID = code) published, moved or cancelled."""
    if kind in ("turn_soon", "survey", "waitlist_offer"):
        return None  # the queue of the moment, a visit over, a place not yet accepted: not the appointment
    words = LABELS[language]
    lines = [f"{label}: {value}" for label, value in details(kind, language, facts)]
    if items := requirements(kind, language, facts):
        lines += ["", words["bring"], *(f"- {item}" for item in items)]
    lines += ["", *closing(kind, language, facts), facts.manage_url.strip()]
    location = ", ".join(
        part for part in (_one_line(facts.site_name), _one_line(facts.site_address), _one_line(facts.counter)) if part
    )
    return calendar_file(
        kind,
        code=_one_line(facts.code),
        start=facts.start,
        end=facts.end,
        summary=f"{_one_line(facts.service)} ({_one_line(facts.code)})",
        location=location,
        description="\n".join(lines),
        url=facts.manage_url.strip(),
    )


def _link(url: str) -> str:
    url = url.strip()
    if not re.match(r"https?://", url, flags=re.IGNORECASE):
        return html.escape(url)  # not a web address: shown, never made clickable
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>'
