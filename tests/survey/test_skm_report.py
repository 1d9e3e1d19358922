"""The SKM report: figures worked out by hand, the grade at the regulation's interval edges, who sees what."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from booking.models import Agency, Service, Site, Survey, SurveyAnswer
from booking.survey import grade_of, score_of
from tests.factories import MONDAY_MORNING

REPORT = "/api/v1/admin/reports/skm"


def seed_answers(db, agency_slug: str, day: dt.date, rows: list[list[int]], comments=()) -> None:
    """Answered surveys of visits on ``day``, straight into the tables (as the survey page leaves them)."""
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        agency = session.scalar(select(Agency).where(Agency.site_id == site.id, Agency.slug == agency_slug))
        service = session.scalar(select(Service).where(Service.agency_id == agency.id).order_by(Service.code))
        for index, answers in enumerate(rows):
            survey = Survey(
                site_id=site.id, agency_id=agency.id, service_id=service.id, booking_id=None, visit_date=day,
                public_id=secrets.token_urlsafe(12), expires_at=MONDAY_MORNING + dt.timedelta(days=7),
                created_at=MONDAY_MORNING,
            )  # fmt: skip
            session.add(survey)
            session.flush()
            comment = comments[index] if index < len(comments) else None
            values = {f"u{n}": value for n, value in enumerate(answers, start=1)}
            session.add(SurveyAnswer(survey_id=survey.id, comment=comment, answered_at=MONDAY_MORNING, **values))


# Four respondents at Dindukcapil on 30 November 2026, one at Samsat on 29 November, one outside the period.
DUKCAPIL = [
    [4, 4, 4, 4, 4, 4, 4, 4, 4],
    [3, 3, 3, 3, 3, 3, 3, 3, 3],
    [4, 3, 4, 3, 4, 3, 4, 3, 4],
    [3, 4, 3, 4, 3, 4, 3, 4, 2],
]


def test_the_ikm_of_a_seeded_month_is_what_the_regulation_gives_by_hand(floor):
    seed_answers(floor.db, "dukcapil", dt.date(2026, 11, 30), DUKCAPIL, comments=["Petugas ramah", None, "Antre lama"])
    seed_answers(floor.db, "samsat", dt.date(2026, 11, 29), [[2, 2, 2, 2, 2, 2, 2, 2, 2]])
    seed_answers(floor.db, "dukcapil", dt.date(2026, 10, 31), [[1] * 9])  # before the period: not counted

    answer = floor.client.get(REPORT, params={"from": "2026-11-01", "to": "2026-11-30", "agency": "dukcapil"},
                              headers=floor.admin)  # fmt: skip
    assert answer.status_code == 200, answer.text
    report = answer.json()
    # By hand, per element, the four answers' mean (NRR):
    #   U1 (4+3+4+3)/4 = 3.5, U2 (4+3+3+4)/4 = 3.5, ... U8 = 3.5, U9 (4+3+4+2)/4 = 13/4 = 3.25.
    #   Sum of NRR = 8 x 3.5 + 3.25 = 31.25; IKM = 31.25 / 9 = 3.47222... -> 3.472;
    #   converted: 3.47222... x 25 = 86.8055... -> 86.81, inside 76.61-88.30: B (baik).
    #   (With the regulation's 0.111: 31.25 x 0.111 x 25 = 86.72, also B.)
    assert report["respondents"] == 4
    assert [element["nrr"] for element in report["elements"]] == [3.5] * 8 + [3.25]
    assert report["elements"][0]["weighted"] == 0.389  # 3.5 / 9 = 0.38888...
    assert report["elements"][8]["weighted"] == 0.361  # 3.25 / 9 = 0.36111...
    assert (report["index"], report["score"], report["grade"], report["grade_name"]) == (3.472, 86.81, "B", "Baik")
    assert report["weight"] == "1/9"
    assert [comment["comment"] for comment in report["comments"]] == ["Petugas ramah", "Antre lama"]

    whole = floor.client.get(REPORT, params={"from": "2026-11-01", "to": "2026-11-30"}, headers=floor.admin).json()
    # The site: 5 respondents; sums per element U1..U8: 14 + 2 = 16, U9: 13 + 2 = 15.
    #   NRR U1..U8 = 16/5 = 3.2, U9 = 15/5 = 3.0; sum = 28.6; IKM = 28.6/9 = 3.1777... -> 3.178;
    #   converted 79.444... -> 79.44: B.
    assert whole["respondents"] == 5 and whole["agency"] is None
    assert (whole["index"], whole["score"], whole["grade"]) == (3.178, 79.44, "B")
    assert [(row["agency"]["slug"], row["respondents"], row["score"], row["grade"]) for row in whole["agencies"]] == [
        ("dukcapil", 4, 86.81, "B"),
        ("samsat", 1, 50.0, "D"),  # all twos: IKM 2, converted 50.00: D
    ]


@pytest.mark.parametrize(
    "score, grade",
    [("25.00", "D"), ("64.99", "D"), ("65.00", "C"), ("76.60", "C"), ("76.61", "B"), ("88.30", "B"),
     ("88.31", "A"), ("100.00", "A")],
)  # fmt: skip
def test_the_grade_follows_the_regulations_intervals_to_the_hundredth(score, grade):
    assert grade_of(Decimal(score)) == grade


@pytest.mark.parametrize(
    "respondents, per_element_sum, converted, grade",
    [
        # The mean answer m gives the converted score 25 m; each case is exact (n x 9 answers summing to 9 x sum).
        (5, 13, "65.00", "C"),  # m = 13/5 = 2.6: exactly the lowest C
        (2500, 6499, "64.99", "D"),  # m = 2.5996: the highest D
        (125, 383, "76.60", "C"),  # m = 3.064: the highest C
        (5000, 15321, "76.61", "B"),  # m = 3.0642, 76.605 rounded half up: B
        (250, 883, "88.30", "B"),  # m = 3.532: the highest B
        (2500, 8831, "88.31", "A"),  # m = 3.5324: the lowest A
        (1, 4, "100.00", "A"),
        (1, 1, "25.00", "D"),
    ],
)
def test_the_converted_score_at_each_interval_edge(respondents, per_element_sum, converted, grade):
    score = score_of(respondents, [per_element_sum] * 9)
    assert score.index == Fraction(per_element_sum, respondents)
    assert (str(score.converted), score.grade) == (converted, grade)


def test_a_clerk_sees_their_own_agency_and_not_another(floor):
    seed_answers(floor.db, "dukcapil", dt.date(2026, 11, 30), DUKCAPIL)
    seed_answers(floor.db, "samsat", dt.date(2026, 11, 30), [[2] * 9])
    own = floor.client.get(REPORT, params={"from": "2026-11-30", "to": "2026-11-30"}, headers=floor.ani)
    assert own.status_code == 200 and own.json()["agency"]["slug"] == "dukcapil" and own.json()["respondents"] == 4
    other = floor.client.get(REPORT, params={"agency": "samsat"}, headers=floor.ani)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    assert floor.client.get(REPORT, params={"agency": "samsat"}, headers=floor.budi).json()["respondents"] == 1
    assert floor.client.get(REPORT).status_code == 401


def test_a_range_over_a_year_or_backwards_is_refused(floor):
    cases = [
        ({"from": "2026-01-01", "to": "2027-01-02"}, "range_too_long"),  # 367 days
        ({"from": "2026-11-30", "to": "2026-11-29"}, "range_reversed"),
        ({"from": "30-11-2026"}, "date_format"),
    ]
    for params, code in cases:
        refused = floor.client.get(REPORT, params=params, headers=floor.admin)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["errors"][0]["code"] == code
    for agency in ("nowhere", "duk\x00capil"):  # as the daily report answers: PostgreSQL would refuse to compare
        unknown = floor.client.get(REPORT, params={"agency": agency}, headers=floor.admin)
        assert unknown.status_code == 404, (agency, unknown.text)
        assert unknown.json()["code"] == "not_found"
    year = floor.client.get(REPORT, params={"from": "2026-01-01", "to": "2027-01-01"}, headers=floor.admin)
    assert year.status_code == 200  # 366 days: a leap year's worth is allowed
    empty = floor.client.get(REPORT, headers=floor.admin).json()  # this month so far, nothing answered
    assert (empty["from"], empty["to"], empty["respondents"], empty["score"], empty["grade"]) == (
        "2026-11-01", "2026-11-30", 0, None, None,
    )  # fmt: skip
