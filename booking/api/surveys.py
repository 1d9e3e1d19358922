"""The satisfaction survey (SKM) under ``/api/v1``: thin, ``booking.survey`` decides.

Public, with the link's token: ``GET /sites/{site}/surveys/{token}`` (what is rated, whether answered) and
``POST`` the same (the answer). Signed in: ``GET /admin/reports/skm`` (an admin for any agency of the site,
a clerk for their own).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from booking import catalogue, survey
from booking.api.schemas import AgencyRef
from booking.availability import site_today
from booking.http.context import Context
from booking.http.params import parse_date
from booking.messages import negotiate_language
from booking.models import Site
from booking.staff import Principal

Ctx = NamedDependency[Context]
Req = Request[Principal, object, object]
Token = FromPath[str]  # the survey link's token (in the message, or on the ticket's page)
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType

THANKS = {
    True: ("Terima kasih. Jawaban Anda sudah kami terima.", "Thank you. We have received your answers."),
    False: (
        "Terima kasih. Survei ini sudah dijawab sebelumnya; jawaban itu yang tercatat.",
        "Thank you. This survey was answered before; that answer is the one recorded.",
    ),
}


class ServiceRef(msgspec.Struct):
    code: str
    name: str


class SurveyElementOut(msgspec.Struct):
    element: str  # the element's key, e.g. "persyaratan"
    name: str  # the regulation's name of the element
    question: str
    options: list[str]  # the wording of the answers 1 (worst) to 4 (best)


class SurveyOut(msgspec.Struct):
    site: str
    site_name: str
    agency: AgencyRef
    service: ServiceRef
    date: dt.date  # the day of the visit, in the site's zone
    answered: bool  # True: an answer is recorded; another changes nothing
    expires_at: dt.datetime
    elements: list[SurveyElementOut]  # the nine elements of PermenPANRB 14/2017, in its order


class SurveyAnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    REQUIRED: ClassVar = ("answers",)  # for the document; booking.survey names a missing one (survey_answer_count)

    answers: Annotated[
        list[int] | Unset,
        msgspec.Meta(description="nine whole numbers from 1 to 4, one per element in the regulation's order"),
    ] = UNSET
    comment: Annotated[str | None | Unset, msgspec.Meta(description="at most 1000 characters")] = UNSET


class SurveyAnsweredOut(msgspec.Struct):
    recorded: bool  # False: answered before, and nothing was changed
    detail: str  # a thank-you in the caller's language


class SkmElementOut(msgspec.Struct):
    element: str
    name: str
    nrr: float  # the mean of its answers (1-4), to 2 decimals
    weighted: float  # NRR x 1/9, to 3 decimals


class SkmAgencyOut(msgspec.Struct):
    agency: AgencyRef
    respondents: int
    score: float | None  # IKM converted (x 25): 25-100, to 2 decimals
    grade: str | None  # A, B, C or D


class SkmCommentOut(msgspec.Struct):
    date: dt.date
    agency: str
    service: str
    comment: str


class SkmReportOut(msgspec.Struct):
    from_: dt.date = msgspec.field(name="from")
    to: dt.date = msgspec.field()
    agency: AgencyRef | None = msgspec.field()  # None: every agency of the site
    respondents: int = msgspec.field()
    weight: str = msgspec.field()  # "1/9": exactly (the regulation writes 0.111)
    elements: list[SkmElementOut] = msgspec.field()  # empty without respondents
    index: float | None = msgspec.field()  # IKM: sum of NRR x 1/9, from 1 to 4, to 3 decimals
    score: float | None = msgspec.field()  # IKM x 25: 25-100, to 2 decimals; None without respondents
    grade: str | None = msgspec.field()  # by the regulation's intervals on the score: A, B, C, D
    grade_name: str | None = msgspec.field()  # "Sangat baik", "Baik", "Kurang baik", "Tidak baik"
    agencies: list[SkmAgencyOut] = msgspec.field()  # each agency with answers in the period
    comments: list[SkmCommentOut] = msgspec.field()  # oldest visit first


def survey_out(found: survey.SurveyState, site: Site, language: str) -> SurveyOut:
    rated = found.survey
    return SurveyOut(
        site=site.slug,
        site_name=site.name,
        agency=AgencyRef(slug=rated.agency.slug, name=rated.agency.name),
        service=ServiceRef(code=rated.service.code, name=rated.service.name),
        date=rated.visit_date,
        answered=found.answered,
        expires_at=rated.expires_at,
        elements=[
            SurveyElementOut(
                element=element.key,
                name=element.name(language),
                question=element.question(language),
                options=[option(language) for option in element.options],
            )
            for element in survey.ELEMENTS
        ],
    )


def report_out(report: survey.SkmReport, language: str) -> SkmReportOut:
    score = report.score

    def shown(value, places: int) -> float | None:
        return None if value is None else float(survey.rounded(value, places))

    return SkmReportOut(
        from_=report.first,
        to=report.last,
        agency=AgencyRef(slug=report.agency.slug, name=report.agency.name) if report.agency else None,
        respondents=score.respondents,
        weight="1/9",
        elements=[
            SkmElementOut(
                element=element.key, name=element.name(language), nrr=shown(nrr, 2), weighted=shown(nrr / 9, 3)
            )
            for element, nrr in zip(survey.ELEMENTS, score.nrr, strict=False)
        ],
        index=shown(score.index, 3),
        score=None if score.converted is None else float(score.converted),
        grade=score.grade,
        grade_name=survey.grade_name(score.grade)(language) if score.grade else None,
        agencies=[
            SkmAgencyOut(
                agency=AgencyRef(slug=row.agency.slug, name=row.agency.name),
                respondents=row.score.respondents,
                score=float(row.score.converted),
                grade=row.score.grade,
            )
            for row in report.agencies
        ],
        comments=[
            SkmCommentOut(date=row.visit_date, agency=row.agency, service=row.service, comment=row.comment)
            for row in report.comments
        ],
    )


class SurveyController(Controller):
    path = "/sites/{site:str}/surveys"
    tags = ["survey"]

    @get(
        "/{token:str}",
        sync_to_thread=True,
        summary="A satisfaction survey: what is rated, its nine questions, whether it was answered",
        description="404 `not_found` for a token that opens nothing; 410 `survey_expired` once the link is past "
        "the site's `survey_link_days` (an answered survey still shows, answered).",
        problems=["not_found", "survey_expired"],
    )
    def show(self, ctx: Ctx, request: Request, site: FromPath[str], token: Token) -> SurveyOut:
        language = negotiate_language(request.headers.get("accept-language"))
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            state = survey.open_survey(
                session, found, token, now=ctx.clock(), secret_key=ctx.settings.resolved_secret_key
            )
            return survey_out(state, found, language)

    @post(
        "/{token:str}",
        sync_to_thread=True,
        summary="Answer a satisfaction survey: 201 recorded; 200 it was answered before, nothing changed",
        description="`answers`: nine whole numbers 1-4 in the order of PermenPANRB 14/2017 (persyaratan; sistem, "
        "mekanisme dan prosedur; waktu penyelesaian; biaya/tarif; produk spesifikasi jenis pelayanan; kompetensi "
        "pelaksana; perilaku pelaksana; penanganan pengaduan, saran dan masukan; sarana dan prasarana). Another "
        "count, a value outside 1-4 or none is 422 `validation_error`, naming each wrong answer. One answer per "
        "visit: a second one, however soon, is thanked (200, `recorded: false`) and changes nothing.",
        status_code=HTTP_201_CREATED,
        problems=["not_found", "survey_expired"],
        responses={
            200: ResponseSpec(
                SurveyAnsweredOut, description="Answered before: thanked, nothing changed", generate_examples=False
            )
        },
    )
    def answer(
        self, ctx: Ctx, request: Request, site: FromPath[str], token: Token, data: JSONBody[SurveyAnswerIn]
    ) -> Response[SurveyAnsweredOut]:
        language = negotiate_language(request.headers.get("accept-language"))
        answers = None if data.answers is UNSET else data.answers
        comment = None if data.comment is UNSET else data.comment

        def work(session) -> bool:
            found = catalogue.get_site(session, site)
            return survey.answer(
                session, found, token, answers, comment, now=ctx.clock(), secret_key=ctx.settings.resolved_secret_key
            )

        recorded = ctx.db.transaction(work)
        detail = THANKS[recorded][1 if language == "en" else 0]
        status = HTTP_201_CREATED if recorded else HTTP_200_OK
        return Response(SurveyAnsweredOut(recorded=recorded, detail=detail), status_code=status)


class SkmReportController(Controller):
    path = "/admin/reports"
    tags = ["reports"]

    @get(
        "/skm",
        sync_to_thread=True,
        summary="The SKM (PermenPANRB 14/2017) of a period: per element NRR, the IKM, its grade, respondents, comments",
        problems=["not_found"],  # an agency the site does not have, as the daily report answers it
        description="Visits from `from` to `to` (days in the site's zone; default: this month so far), at most "
        "366 days (`to` before `from`, or longer: 422). An admin: the whole site or one `agency`; a clerk: their "
        "own agency (another is 403). IKM = sum of NRR x 1/9 (exactly; the regulation writes 0.111), the score "
        "IKM x 25 (25-100) and the grade by the regulation's intervals: 88.31-100 A, 76.61-88.30 B, 65.00-76.60 "
        "C, 25.00-64.99 D.",
    )
    def skm(
        self,
        ctx: Ctx,
        request: Req,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=20, description="YYYY-MM-DD")] = None,
        to: Annotated[str | None, QueryParameter(max_length=20, description="YYYY-MM-DD")] = None,
        agency: Annotated[str | None, QueryParameter(max_length=64, description="an agency's slug")] = None,
    ) -> SkmReportOut:
        language = negotiate_language(request.headers.get("accept-language"))
        first, last = parse_date("from", from_), parse_date("to", to)
        with ctx.db.read() as session:
            site = session.get(Site, request.user.site_id)
            first, last = survey.report_period(first, last, site_today(site, ctx.clock()))
            report = survey.skm_report(session, request.user, site, first, last, agency)
            return report_out(report, language)
