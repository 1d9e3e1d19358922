"""The daily report page, ``/staff/laporan``: a clerk's own agency, an admin any agency of the site or all.

Server-rendered, no script: a GET form for the range and the agency, a table with a line per day, two
charts drawn here as inline SVG (served per day, median wait by hour of arrival) that print as they show,
and the same report as CSV or XLSX (``/staff/laporan/csv``, ``/staff/laporan/xlsx``: the files of
``booking.report_files``, as the API gives them). ``booking.reports`` decides every figure.

``/admin/laporan`` leads here (the staff sign-in cookie lives under /staff). The SKM report of issue 14
lives beside it at ``/staff/laporan/skm``; the navigation links to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from babel.numbers import format_decimal, format_percent
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy import select

from booking import reports
from booking.availability import site_today
from booking.errors import DomainError, Forbidden, InvalidInput, NotFound
from booking.http.context import Context
from booking.http.params import parse_date
from booking.http.problems import problem_detail
from booking.messages import FIELD_ERRORS
from booking.models import Agency, Site
from booking.periods import LONGEST_REPORT_DAYS, check_range
from booking.report_files import XLSX_MEDIA_TYPE, report_csv, report_filename, report_xlsx
from booking.staff import Principal
from booking.web.base import SECURITY_HEADERS, error_page, page_language, redirect, render, url_with
from booking.web.charts import bar_chart
from booking.web.staff import NotSignedIn, signed_in_clerk, to_sign_in
from booking.web.words import Words

Ctx = NamedDependency[Context]
Clerk = NamedDependency[Principal]
DateParam = Annotated[str | None, QueryParameter(max_length=20)]
FromParam = Annotated[str | None, QueryParameter(name="from", max_length=20)]
AgencyParam = Annotated[str | None, QueryParameter(max_length=64)]
DEFAULT_DAYS = 7
PAGE = "/staff/laporan"


class ReportPages(Controller):
    path = PAGE
    dependencies = {"clerk": Provide(signed_in_clerk, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/", sync_to_thread=True)
    def page(
        self, ctx: Ctx, request: Request, clerk: Clerk, from_: FromParam = None, to: DateParam = None,
        agency: AgencyParam = None,
    ) -> Response:  # fmt: skip
        words = Words(page_language(request))
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            choices = _agencies(session, clerk)
            form = {"from": from_ or "", "to": to or "", "agency": agency or ""}
            try:
                report = _report(session, ctx, clerk, site, from_, to, agency)
            except InvalidInput as invalid:
                errors = {e.field: FIELD_ERRORS.get(e.code, FIELD_ERRORS["value_invalid"])(words.language, **e.params)
                          for e in invalid.errors}  # fmt: skip
                return render(request, "reports/daily.html", status_code=422, clerk=clerk, site=site,
                              agencies=choices, form=form, errors=errors, report=None)  # fmt: skip
            except (Forbidden, NotFound) as refused:
                return _refused(request, refused)
            form.update({"from": report.first.isoformat(), "to": report.last.isoformat()})
            query = {"from": form["from"], "to": form["to"], "agency": agency or None}
            return render(
                request,
                "reports/daily.html",
                clerk=clerk,
                site=site,
                agencies=choices,
                form=form,
                errors={},
                report=report,
                lines=[_line(row, words) for row in report.totals],
                charts=[_served_chart(report, words), _wait_chart(report, words)],
                csv_url=url_with(f"{PAGE}/csv", **query),
                xlsx_url=url_with(f"{PAGE}/xlsx", **query),
                definitions=words("report_definitions", zone=site.timezone),
            )

    @get("/csv", sync_to_thread=True)
    def csv_file(
        self, ctx: Ctx, request: Request, clerk: Clerk, from_: FromParam = None, to: DateParam = None,
        agency: AgencyParam = None,
    ) -> Response:  # fmt: skip
        return self._file(ctx, request, clerk, from_, to, agency, "csv")

    @get("/xlsx", sync_to_thread=True)
    def xlsx_file(
        self, ctx: Ctx, request: Request, clerk: Clerk, from_: FromParam = None, to: DateParam = None,
        agency: AgencyParam = None,
    ) -> Response:  # fmt: skip
        return self._file(ctx, request, clerk, from_, to, agency, "xlsx")

    def _file(self, ctx, request, clerk, from_, to, agency, kind: str) -> Response:
        language = page_language(request)
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            try:
                report = _report(session, ctx, clerk, site, from_, to, agency)
            except DomainError as refused:
                return _refused(request, refused)
            content, media_type = (
                (report_csv(report, language), "text/csv; charset=utf-8")
                if kind == "csv"
                else (report_xlsx(report, language), XLSX_MEDIA_TYPE)
            )
        disposition = f'attachment; filename="{report_filename(report, kind)}"'
        return Response(
            content, media_type=media_type, headers={**SECURITY_HEADERS, "Content-Disposition": disposition}
        )


class AdminReportPages(Controller):
    """``/admin/laporan``: the same page, for the admin pages to link to."""

    path = "/admin/laporan"

    @get("/", sync_to_thread=False)
    def daily(self, request: Request) -> Response:
        return redirect(request, url_with(PAGE, **dict(request.query_params)))


def _report(session, ctx: Context, clerk: Principal, site: Site, from_, to, agency) -> reports.DailyReport:
    last = parse_date("to", to) or site_today(site, ctx.clock())
    first = parse_date("from", from_) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    check_range(first, last, longest_days=LONGEST_REPORT_DAYS)
    chosen = reports.report_agency(session, clerk, site, agency or None)
    return reports.daily_report(session, site, first, last, chosen)


def _refused(request: Request, refused: DomainError) -> Response:
    words = Words(page_language(request))
    if isinstance(refused, InvalidInput):
        return error_page(request, 422, " ".join(
            FIELD_ERRORS.get(e.code, FIELD_ERRORS["value_invalid"])(words.language, **e.params) for e in refused.errors
        ))  # fmt: skip
    if isinstance(refused, NotFound):
        return error_page(request, 404, words("page_not_found"))
    return error_page(request, 403 if isinstance(refused, Forbidden) else 409, problem_detail(refused, words.language))


def _agencies(session, clerk: Principal) -> list[Agency]:
    query = select(Agency).where(Agency.site_id == clerk.site_id).order_by(Agency.sort_order, Agency.name)
    if not clerk.is_admin:
        query = query.where(Agency.id == clerk.agency_id)
    return list(session.scalars(query))


def _number(value: float | None, words: Words) -> str:
    return words("report_none") if value is None else format_decimal(value, locale=words.language)


def _line(row: reports.ReportDay, words: Words) -> dict:
    return {
        "date": row.date,
        "closed": row.closed(words.language) if row.closed else None,
        "counts": [row.booked, row.walk_ins, row.served, row.no_show, row.cancelled],
        "minutes": [_number(v, words) for v in (row.wait.median, row.wait.p90, row.service.median, row.service.p90)],
        "online_share": words("report_none") if row.online_share is None
        else format_percent(row.online_share, locale=words.language),
        "busiest": ", ".join(f"{hour:02d}" for hour in row.busiest_hours) or words("report_none"),
    }  # fmt: skip


def _served_chart(report: reports.DailyReport, words: Words):
    points = []
    for row in report.totals:
        label = row.date.strftime("%d/%m")
        day = words.day(row.date)
        if row.closed is not None and row.served == 0:
            points.append((label, None, words("chart_served_closed", day=day)))
        else:
            points.append((label, row.served, words("chart_served_bar", day=day, count=row.served)))
    return bar_chart(
        "chart-served", words("chart_served_title"), words("chart_served_description"), points,
        number=lambda value: _number(value, words),
    )  # fmt: skip


def _wait_chart(report: reports.DailyReport, words: Words):
    points = [
        (f"{hour:02d}", spread.median, words("chart_wait_bar", hour=f"{hour:02d}", median=_number(spread.median, words),
                                             p90=_number(spread.p90, words)))
        for hour, spread in report.wait_by_hour.items()
    ]  # fmt: skip
    return bar_chart(
        "chart-wait", words("chart_wait_title"), words("chart_wait_description"), points,
        number=lambda value: _number(value, words),
    )  # fmt: skip
