"""The citizen's satisfaction survey page (``/s/{site}/survei/{token}``) and the SKM report's pages
(``/staff/laporan/skm``, and ``/admin/laporan/skm`` leading there).

Thin: ``booking.survey`` decides, exactly as for the API. The survey is one form of nine radio groups and a
comment, posted without JavaScript; a wrong or missing answer is said next to its question and nothing
chosen is lost; a second answer is thanked and changes nothing. The report is a page to read and to print
(the browser's print: the form and the header are left out of the paper).
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy import select

from booking import catalogue, survey
from booking.availability import site_today
from booking.errors import DomainError, InvalidInput, NotFound, SurveyExpired
from booking.http.params import parse_date
from booking.http.problems import problem_detail
from booking.messages import FIELD_ERRORS
from booking.models import Agency, Site
from booking.web.base import Ctx, error_page, page_language, redirect, render, url_with
from booking.web.staff import Clerk, NotSignedIn, signed_in_clerk, to_sign_in
from booking.web.words import Words

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DateParam = Annotated[str | None, QueryParameter(max_length=20)]
AgencyParam = Annotated[str | None, QueryParameter(max_length=64)]


def questions(language: str) -> list[dict]:
    """The nine elements as the form shows them: field name, heading, question, the four worded answers."""
    return [
        {
            "field": f"u{n}",
            "name": element.name(language),
            "question": element.question(language),
            "options": [(value, option(language)) for value, option in enumerate(element.options, start=1)],
        }
        for n, element in enumerate(survey.ELEMENTS, start=1)
    ]


class SurveyPages(Controller):
    @get("/s/{site:str}/survei/{token:str}", sync_to_thread=True)
    def form(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str]) -> Response:
        return self._page(ctx, request, site, token, chosen={}, comment="", errors={})

    @post("/s/{site:str}/survei/{token:str}", sync_to_thread=True)
    def send(self, ctx: Ctx, request: Request, site: FromPath[str], token: FromPath[str], data: Form) -> Response:
        chosen = {f"u{n}": str(data.get(f"u{n}", ""))[:2] for n in range(1, len(survey.ELEMENTS) + 1)}
        answers = [int(value) if value.isdigit() else 0 for value in chosen.values()]  # 0: not answered
        comment = str(data.get("comment", ""))[: survey.COMMENT_MAX + 1]

        def work(session) -> bool:
            found = catalogue.get_site(session, site)
            return survey.answer(
                session, found, token, answers, comment or None, now=ctx.clock(),
                secret_key=ctx.settings.resolved_secret_key,
            )  # fmt: skip

        try:
            recorded = ctx.db.transaction(work)
        except InvalidInput as invalid:
            language = page_language(request)
            errors = {}
            for error in invalid.errors:
                field = "comment" if error.field == "comment" else f"u{error.params.get('element', 1)}"
                errors[field] = FIELD_ERRORS[error.code](language, **error.params)
            return self._page(ctx, request, site, token, chosen=chosen, comment=comment, errors=errors, status=422)
        except (NotFound, SurveyExpired) as refused:
            return self._refused(request, refused)
        if recorded:
            return redirect(request, url_with(survey.survey_path(site, token), terima="1"))
        return self._page(ctx, request, site, token, chosen={}, comment="", errors={}, already=True)

    def _page(
        self, ctx, request, site: str, token: str, *, chosen, comment, errors, status=200, already=False
    ) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        try:
            with ctx.db.read() as session:
                found = catalogue.get_site(session, site)
                state = survey.open_survey(session, found, token, now=now, secret_key=ctx.settings.resolved_secret_key)
        except (NotFound, SurveyExpired) as refused:
            if isinstance(refused, NotFound) and refused.params.get("what") == "site":
                raise
            return self._refused(request, refused)
        rated, zone = state.survey, ZoneInfo(found.timezone)
        thanks = None
        if state.answered:
            thanks = words("survey_thanks") if request.query_params.get("terima") == "1" else words("survey_already")
        if already:
            thanks = words("survey_already")
        return render(
            request,
            "survey/survey.html",
            status_code=status,
            site=found,
            intro=words(
                "survey_intro", service=rated.service.name, agency=rated.agency.name, day=words.day(rated.visit_date)
            ),
            until=words("survey_until", day=words.day(rated.expires_at.astimezone(zone).date())),
            questions=questions(words.language),
            chosen=chosen,
            comment=comment,
            errors=errors,
            thanks=thanks,
            action=survey.survey_path(found.slug, token),
        )

    def _refused(self, request: Request, refused: DomainError) -> Response:
        words = Words(page_language(request))
        if isinstance(refused, SurveyExpired):
            return error_page(request, 410, problem_detail(refused, words.language))
        return error_page(request, 404, words("survey_not_found"))


class SkmReportPages(Controller):
    path = "/staff"
    dependencies = {"clerk": Provide(signed_in_clerk, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/laporan/skm", sync_to_thread=True)
    def report(
        self,
        ctx: Ctx,
        request: Request,
        clerk: Clerk,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=20)] = None,
        to: DateParam = None,
        agency: AgencyParam = None,
    ) -> Response:
        words = Words(page_language(request))
        form = {"from": from_ or "", "to": to or "", "agency": agency or ""}
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            agencies = list(
                session.scalars(
                    select(Agency).where(Agency.site_id == site.id).order_by(Agency.sort_order, Agency.slug)
                )
            )
            if not clerk.is_admin:
                agencies = [row for row in agencies if row.id == clerk.agency_id]
            try:
                first, last = parse_date("from", from_), parse_date("to", to)
                first, last = survey.report_period(first, last, site_today(site, ctx.clock()))
                report = survey.skm_report(session, clerk, site, first, last, agency or None)
            except DomainError as refused:
                status = {"forbidden": 403, "not_found": 404}.get(refused.code, 422)
                message = _refusal(refused, words.language)
                return render(
                    request, "survey/report.html", status_code=status, clerk=clerk, site=site, agencies=agencies,
                    form=form, report=None, message=message,
                )  # fmt: skip
        return render(
            request, "survey/report.html", clerk=clerk, site=site, agencies=agencies, message=None,
            form={"from": first.isoformat(), "to": last.isoformat(), "agency": agency or ""},
            report=_report_view(report, words),
        )  # fmt: skip


class AdminReportAlias(Controller):
    """``/admin/laporan/skm``: the same report, where an admin looks for it (the staff pages sign them in)."""

    @get("/admin/laporan/skm", sync_to_thread=False)
    def skm(self, request: Request) -> Response:
        return redirect(request, url_with("/staff/laporan/skm", **dict(request.query_params.items())))


def _refusal(refused: DomainError, language: str) -> str:
    if isinstance(refused, InvalidInput):
        return " ".join(FIELD_ERRORS[error.code](language, **error.params) for error in refused.errors)
    return problem_detail(refused, language)


def _decimal(value, places: int, language: str) -> str:
    """A figure as a report writes it: "86,81" in Indonesian, "86.81" in English."""
    text = f"{survey.rounded(value, places):.{places}f}"
    return text.replace(".", ",") if language == "id" else text


def _report_view(report: survey.SkmReport, words: Words) -> dict:
    language, score = words.language, report.score

    def grade(letter: str | None) -> str:
        return f"{letter} ({survey.grade_name(letter)(language)})" if letter else "–"

    return {
        "agency": report.agency.name if report.agency else words("skm_all_agencies"),
        "period": words("skm_period", first=words.day(report.first), last=words.day(report.last)),
        "respondents": score.respondents,
        "elements": [
            {
                "name": element.name(language),
                "nrr": _decimal(nrr, 2, language),
                "weighted": _decimal(nrr / 9, 3, language),
            }
            for element, nrr in zip(survey.ELEMENTS, score.nrr, strict=False)
        ],
        "index": _decimal(score.index, 3, language) if score.respondents else "–",
        "score": _decimal(score.converted, 2, language) if score.respondents else "–",
        "grade": grade(score.grade),
        "agencies": [
            {
                "name": row.agency.name,
                "respondents": row.score.respondents,
                "score": _decimal(row.score.converted, 2, language),
                "grade": grade(row.score.grade),
            }
            for row in report.agencies
        ],
        "comments": [
            {"day": words.day(row.visit_date), "agency": row.agency, "service": row.service, "comment": row.comment}
            for row in report.comments
        ],
    }
