"""The citizen satisfaction survey (SKM, Survei Kepuasan Masyarakat, PermenPANRB 14/2017) and its report.

A visit ends when its booking is served (``booking.lifecycle``, the one place that happens: a clerk's
*Selesai dilayani* or the queue's *Selesai*); then ``plan_after_service`` makes the visit's one survey and
plans one message of kind ``survey`` on the citizen's channel (none when they chose no messages or gave
no contact; a walk-in without a phone finds the link on their ticket's page). The survey asks the nine
elements (unsur) of the regulation, in its order, each on its four-point scale with its own wording, and
an optional comment. It takes one answer: the answer's primary key is the survey, so ten answers sent at
once record one, and the others are thanked and change nothing. The link works ``survey_link_days`` (a
site setting, 7 by default) after the visit.

The link's token is the survey's random ``public_id`` followed by an HMAC of it with the server secret:
the database keeps only the public half, so its rows do not give a link away, and a worker (or the
ticket's page) derives the link to show it, as with the manage links.

The report (``skm_report``): per element the average of its answers (NRR, *nilai rata-rata*), the index
IKM = sum of NRR x 1/9 (exactly 1/9; the regulation writes the weight as 0.111, which gives a slightly
lower figure), converted x 25 to a score from 25 to 100, and its quality grade by the regulation's
intervals on that score: 25.00-64.99 D (tidak baik), 65.00-76.60 C (kurang baik), 76.61-88.30 B (baik),
88.31-100.00 A (sangat baik). Computed exactly (fractions), rounded half up only to be shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from booking import outbox
from booking.db import insert_ignoring_conflicts
from booking.errors import FieldError, InvalidInput, NotFound, SurveyExpired
from booking.messages import Text
from booking.models import (
    SURVEY_ELEMENTS,
    Agency,
    Booking,
    Service,
    Site,
    Survey,
    SurveyAnswer,
    Ticket,
    TicketStatus,
)
from booking.periods import LONGEST_REPORT_DAYS, check_range
from booking.reports import report_agency
from booking.staff import Principal

PUBLIC_ID_LENGTH = 16  # secrets.token_urlsafe(12): 96 random bits
TOKEN = re.compile(r"[A-Za-z0-9_-]{38}")  # the public id (16) and the HMAC's 16 bytes, unpadded (22)
COMMENT_MAX = 1000


@dataclass(frozen=True)
class Element:
    key: str
    name: Text
    question: Text
    options: tuple[Text, Text, Text, Text]  # the answers 1 (worst) to 4 (best), in the regulation's words


# The nine elements in the order of PermenPANRB 14/2017 (Bab II), with its questionnaire's wording.
ELEMENTS: tuple[Element, ...] = (
    Element(
        "persyaratan",
        Text("Persyaratan", "Requirements"),
        Text(
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
            "How well do the service's requirements fit the kind of service?",
        ),
        (Text("Tidak sesuai", "Not fitting"), Text("Kurang sesuai", "Somewhat fitting"),
         Text("Sesuai", "Fitting"), Text("Sangat sesuai", "Very fitting")),
    ),
    Element(
        "prosedur",
        Text("Sistem, mekanisme dan prosedur", "System, mechanism and procedure"),
        Text(
            "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
            "How easy was the service procedure at this unit?",
        ),
        (Text("Tidak mudah", "Not easy"), Text("Kurang mudah", "Somewhat easy"), Text("Mudah", "Easy"),
         Text("Sangat mudah", "Very easy")),
    ),
    Element(
        "waktu",
        Text("Waktu penyelesaian", "Completion time"),
        Text(
            "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
            "How quickly was the service given?",
        ),
        (Text("Tidak cepat", "Not quick"), Text("Kurang cepat", "Somewhat quick"), Text("Cepat", "Quick"),
         Text("Sangat cepat", "Very quick")),
    ),
    Element(
        "biaya",
        Text("Biaya/tarif", "Cost/fee"),
        Text(
            "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            "How fair was the cost or fee of the service?",
        ),
        (Text("Sangat mahal", "Very expensive"), Text("Cukup mahal", "Fairly expensive"), Text("Murah", "Cheap"),
         Text("Gratis", "Free")),
    ),
    Element(
        "produk",
        Text("Produk spesifikasi jenis pelayanan", "Product of the service"),
        Text(
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
            "pelayanan dengan hasil yang diberikan?",
            "How well did what you received match what the service standard promises?",
        ),
        (Text("Tidak sesuai", "Not matching"), Text("Kurang sesuai", "Somewhat matching"),
         Text("Sesuai", "Matching"), Text("Sangat sesuai", "Fully matching")),
    ),
    Element(
        "kompetensi",
        Text("Kompetensi pelaksana", "Competence of the staff"),
        Text(
            "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
            "How competent were the staff who served you?",
        ),
        (Text("Tidak kompeten", "Not competent"), Text("Kurang kompeten", "Somewhat competent"),
         Text("Kompeten", "Competent"), Text("Sangat kompeten", "Very competent")),
    ),
    Element(
        "perilaku",
        Text("Perilaku pelaksana", "Conduct of the staff"),
        Text(
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
            "How polite and friendly were the staff?",
        ),
        (Text("Tidak sopan dan ramah", "Not polite and friendly"),
         Text("Kurang sopan dan ramah", "Somewhat polite and friendly"),
         Text("Sopan dan ramah", "Polite and friendly"), Text("Sangat sopan dan ramah", "Very polite and friendly")),
    ),
    Element(
        "pengaduan",
        Text("Penanganan pengaduan, saran dan masukan", "Handling of complaints, suggestions and feedback"),
        Text(
            "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran dan masukan pengguna layanan?",
            "How are complaints, suggestions and feedback from service users handled?",
        ),
        (Text("Tidak ada", "There is no way to complain"),
         Text("Ada tetapi tidak berfungsi", "There is one, not working"),
         Text("Berfungsi kurang maksimal", "Working, not fully"), Text("Dikelola dengan baik", "Well handled")),
    ),
    Element(
        "sarana",
        Text("Sarana dan prasarana", "Facilities and infrastructure"),
        Text(
            "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
            "How good are the facilities and infrastructure?",
        ),
        (Text("Buruk", "Poor"), Text("Cukup", "Fair"), Text("Baik", "Good"), Text("Sangat baik", "Very good")),
    ),
)  # fmt: skip
assert len(ELEMENTS) == SURVEY_ELEMENTS
ANSWER_COLUMNS = tuple(getattr(SurveyAnswer, f"u{n}") for n in range(1, SURVEY_ELEMENTS + 1))

# The regulation's intervals on the converted score (IKM x 25): the lowest score of each grade, best first.
GRADES: tuple[tuple[Decimal, str, Text], ...] = (
    (Decimal("88.31"), "A", Text("Sangat baik", "Very good")),
    (Decimal("76.61"), "B", Text("Baik", "Good")),
    (Decimal("65.00"), "C", Text("Kurang baik", "Not quite good")),
    (Decimal("25.00"), "D", Text("Tidak baik", "Not good")),
)


# --- the link -----------------------------------------------------------------------------------------


def survey_token(secret_key: str, public_id: str) -> str:
    """The secret of a survey's link: its public id and an HMAC of it (128 bits) with the server secret."""
    digest = hmac.new(secret_key.encode(), f"survey:{public_id}".encode(), hashlib.sha256).digest()
    return public_id + base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def survey_path(site_slug: str, token: str) -> str:
    return f"/s/{site_slug}/survei/{token}"


def survey_by_token(session: Session, site: Site, token: str, *, secret_key: str) -> Survey:
    """The survey a link opens; 404 alike for an unknown id, a wrong signature or another site's survey."""
    public_id = (token or "")[:PUBLIC_ID_LENGTH]
    survey = None
    if TOKEN.fullmatch(token or ""):
        survey = session.scalar(
            select(Survey)
            .where(Survey.public_id == public_id, Survey.site_id == site.id)
            .options(joinedload(Survey.agency), joinedload(Survey.service))
        )
    if survey is None or not hmac.compare_digest(survey_token(secret_key, survey.public_id), token):
        raise NotFound(what="survey")
    return survey


# --- after a visit ------------------------------------------------------------------------------------


def plan_after_service(session: Session, booking: Booking, now: dt.datetime) -> None:
    """The visit of this booking is over: its one survey, and one message with the link (``outbox``).

    A booking is served once (``booking.lifecycle``); the unique booking id of a survey holds "one per
    visit" even so, whatever runs twice.
    """
    site = session.get(Site, booking.site_id)
    service = session.get(Service, booking.service_id)
    session.execute(
        insert_ignoring_conflicts(
            session,
            Survey,
            site_id=site.id,
            agency_id=service.agency_id,
            service_id=service.id,
            booking_id=booking.id,
            visit_date=booking.local_date,
            public_id=secrets.token_urlsafe(12),
            expires_at=now + dt.timedelta(days=site.survey_link_days),
            created_at=now,
        )
    )
    outbox.plan_survey(session, booking, now)


def survey_of_booking(session: Session, booking_id: int | None) -> Survey | None:
    if booking_id is None:
        return None
    return session.scalar(select(Survey).where(Survey.booking_id == booking_id))


def survey_after_ticket(session: Session, ticket: Ticket, now: dt.datetime) -> Survey | None:
    """The survey a ticket's page offers: once the ticket is done (not passed on to another service), to a
    citizen who gets no message with it (a walk-in without a phone, or one who chose no messages), while it
    is open. The page is public (anyone who knows today's number can open it), so it offers the survey only
    where there is no other way to it; its token works for this one visit only."""
    if ticket.status != TicketStatus.done or ticket.transferred or ticket.booking is None:
        return None
    if outbox.survey_channel(ticket.booking) is not None:
        return None
    found = survey_of_booking(session, ticket.booking_id)
    return found if found is not None and is_open(session, found, now) else None


def is_answered(session: Session, survey: Survey) -> bool:
    return session.get(SurveyAnswer, survey.id) is not None


def is_open(session: Session, survey: Survey, now: dt.datetime) -> bool:
    """Still to be answered: not answered yet and its link not expired."""
    return now < survey.expires_at and not is_answered(session, survey)


# --- answering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyState:
    survey: Survey
    answered: bool


def open_survey(session: Session, site: Site, token: str, *, now: dt.datetime, secret_key: str) -> SurveyState:
    """What a link shows: the survey and whether it was answered; ``survey_expired`` once too late to answer."""
    survey = survey_by_token(session, site, token, secret_key=secret_key)
    answered = is_answered(session, survey)
    if not answered and now >= survey.expires_at:
        raise SurveyExpired(date=survey.expires_at.date())
    return SurveyState(survey, answered)


def check_answers(answers: object, comment: object) -> tuple[list[int], str | None]:
    """Nine whole numbers 1-4 in the regulation's order, and a comment of at most ``COMMENT_MAX`` characters."""
    errors: list[FieldError] = []
    if not isinstance(answers, list) or len(answers) != SURVEY_ELEMENTS:
        errors.append(FieldError("answers", "survey_answer_count", {"count": SURVEY_ELEMENTS}))
    else:
        for index, value in enumerate(answers):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
                errors.append(FieldError(f"answers[{index}]", "survey_answer_range", {"element": index + 1}))
    text = None
    if comment is not None:
        if not isinstance(comment, str):
            errors.append(FieldError("comment", "type_invalid"))
        elif len(comment) > COMMENT_MAX:
            errors.append(FieldError("comment", "comment_too_long", {"length": COMMENT_MAX}))
        else:
            text = comment.strip() or None
    if errors:
        raise InvalidInput(errors)
    return list(answers), text


def answer(
    session: Session, site: Site, token: str, answers: object, comment: object, *, now: dt.datetime, secret_key: str
) -> bool:
    """Record the answer; False when the survey was answered before (nothing is changed then).

    The insert does nothing on a conflict with an answer already there (the primary key): of answers sent
    at once, one is recorded and the others wait for it and find it.
    """
    survey = survey_by_token(session, site, token, secret_key=secret_key)
    if is_answered(session, survey):
        return False
    if now >= survey.expires_at:
        raise SurveyExpired(date=survey.expires_at.date())
    values, text = check_answers(answers, comment)
    written = session.scalar(
        insert_ignoring_conflicts(
            session,
            SurveyAnswer,
            survey_id=survey.id,
            comment=text,
            answered_at=now,
            **{f"u{n}": value for n, value in enumerate(values, start=1)},
        ).returning(SurveyAnswer.survey_id)
    )
    return written is not None


# --- the report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """The SKM figures of a set of answers (exact; ``shown`` rounds them half up for people)."""

    respondents: int
    nrr: tuple[Fraction, ...]  # per element, the mean of its answers (empty without respondents)

    @property
    def index(self) -> Fraction | None:
        """IKM: the sum of NRR x 1/9, from 1 to 4."""
        return sum(self.nrr, Fraction(0)) / SURVEY_ELEMENTS if self.respondents else None

    @property
    def converted(self) -> Decimal | None:
        """IKM x 25, from 25 to 100, to two decimals (rounded half up): what the grade is read from."""
        return None if self.index is None else rounded(self.index * 25, 2)

    @property
    def grade(self) -> str | None:
        return None if self.converted is None else grade_of(self.converted)


def score_of(respondents: int, sums: list[int]) -> Score:
    """The figures from the number of answers and each element's sum of answers."""
    if respondents == 0:
        return Score(0, ())
    return Score(respondents, tuple(Fraction(total, respondents) for total in sums))


def grade_of(converted: Decimal) -> str:
    """The regulation's grade of a converted score (two decimals): 88.31 is A, 88.30 is B, 65.00 is C."""
    for lowest, letter, _ in GRADES:
        if converted >= lowest:
            return letter
    return "D"


def grade_name(letter: str) -> Text:
    return next(name for _, grade, name in GRADES if grade == letter)


def rounded(value: Fraction | Decimal, places: int) -> Decimal:
    """A fraction rounded half up (as a report is read: 3.6665 -> 3.667), exactly, whatever its size."""
    value = Fraction(value)
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AgencyScore:
    agency: Agency
    score: Score


@dataclass(frozen=True)
class SurveyComment:
    visit_date: dt.date
    agency: str
    service: str
    comment: str


@dataclass(frozen=True)
class SkmReport:
    site: Site
    first: dt.date
    last: dt.date
    agency: Agency | None  # None: every agency of the site
    score: Score
    agencies: list[AgencyScore]  # each agency with answers in the period, in the site's order
    comments: list[SurveyComment]  # oldest visit first


def report_period(first: dt.date | None, last: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a report covers: by default this month so far; ``to`` before ``from``, or more than a
    year, is refused."""
    last = last or today
    first = first or last.replace(day=1)
    check_range(first, last, longest_days=LONGEST_REPORT_DAYS)
    return first, last


def skm_report(
    session: Session, principal: Principal, site: Site, first: dt.date, last: dt.date, agency_slug: str | None
) -> SkmReport:
    """The SKM of the visits between ``first`` and ``last`` (days in the site's zone) of one agency or all.

    An admin sees any agency of their site; a clerk their own (the default), and another is ``forbidden``.
    """
    agency = report_agency(session, principal, site, agency_slug)
    answered = (
        select(Survey.agency_id, func.count(), *[func.sum(column) for column in ANSWER_COLUMNS])
        .join(SurveyAnswer, SurveyAnswer.survey_id == Survey.id)
        .where(Survey.site_id == site.id, Survey.visit_date.between(first, last))
        .group_by(Survey.agency_id)
    )
    if agency is not None:
        answered = answered.where(Survey.agency_id == agency.id)
    by_agency = {row[0]: (row[1], [int(total) for total in row[2:]]) for row in session.execute(answered)}
    respondents = sum(count for count, _ in by_agency.values())
    sums = [sum(totals[n] for _, totals in by_agency.values()) for n in range(SURVEY_ELEMENTS)]
    agencies = session.scalars(
        select(Agency).where(Agency.id.in_(list(by_agency))).order_by(Agency.sort_order, Agency.slug)
    )
    return SkmReport(
        site=site,
        first=first,
        last=last,
        agency=agency,
        score=score_of(respondents, sums),
        agencies=[AgencyScore(row, score_of(*by_agency[row.id])) for row in agencies],
        comments=_comments(session, site, first, last, agency),
    )


def _comments(session: Session, site: Site, first: dt.date, last: dt.date, agency: Agency | None) -> list:
    rows = (
        select(Survey.visit_date, Agency.name, Service.name, SurveyAnswer.comment)
        .join(SurveyAnswer, SurveyAnswer.survey_id == Survey.id)
        .join(Agency, Agency.id == Survey.agency_id)
        .join(Service, Service.id == Survey.service_id)
        .where(
            Survey.site_id == site.id,
            Survey.visit_date.between(first, last),
            SurveyAnswer.comment.is_not(None),
        )
        .order_by(Survey.visit_date, SurveyAnswer.answered_at, Survey.id)
    )
    if agency is not None:
        rows = rows.where(Survey.agency_id == agency.id)
    return [SurveyComment(*row) for row in session.execute(rows)]
