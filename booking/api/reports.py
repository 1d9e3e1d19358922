"""Reports under ``/api/v1/admin/reports``: thin, ``booking.reports`` decides what a day was.

An admin reports on any agency of their site (or all of them); a clerk only on their own agency (another
is 403 ``forbidden``). JSON by default; ``Accept: text/csv`` gives CSV and ``Accept:
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`` (or ``?format=xlsx``) a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import QueryParameter

from booking import reports
from booking.api.openapi import AlsoAsCsv
from booking.api.schemas import AgencyRef
from booking.availability import site_today
from booking.http.context import Context
from booking.http.params import parse_date
from booking.messages import negotiate_language
from booking.models import Site
from booking.periods import LONGEST_REPORT_DAYS, check_range
from booking.report_files import XLSX_MEDIA_TYPE, report_csv, report_filename, report_xlsx
from booking.staff import Principal

Ctx = NamedDependency[Context]
Req = Request[Principal, object, object]
DEFAULT_DAYS = 7  # without ``from``: the week ending on ``to``


class MinutesOut(msgspec.Struct):
    median: float | None  # linear between closest ranks (PERCENTILE.INC); None: nothing measured
    p90: float | None


class HourOut(msgspec.Struct):
    hour: int  # local hour of the site, 0-23
    arrivals: int


class ReportDayOut(msgspec.Struct):
    date: dt.date
    agency: AgencyRef | None  # None in ``totals``: every agency reported, together
    status: Literal["open", "closed"]
    reason: str | None  # why the day was closed
    booked: int
    walk_ins: int
    served: int
    no_show: int
    cancelled: int
    wait_minutes: MinutesOut
    service_minutes: MinutesOut
    online_share: float | None  # booked / (booked + walk_ins)
    busiest_hours: list[int]
    arrivals_by_hour: list[HourOut]


class WaitByHourOut(msgspec.Struct):
    hour: int
    wait_minutes: MinutesOut


class DailyReportOut(msgspec.Struct):
    site: str
    timezone: str
    from_: dt.date = msgspec.field(name="from")
    to: dt.date = msgspec.field()
    agency: AgencyRef | None = None  # None: every agency of the site
    days: list[ReportDayOut] = msgspec.field(default_factory=list)  # per day, then per agency
    totals: list[ReportDayOut] = msgspec.field(default_factory=list)  # per day, the agencies together
    wait_by_hour: list[WaitByHourOut] = msgspec.field(default_factory=list)  # by hour of arrival, whole range


@dataclass
class AlsoAsFiles(AlsoAsCsv):
    """An operation answering CSV or an XLSX spreadsheet when the caller asks for it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        success = self.responses and self.responses.get("200")
        if isinstance(success, OpenAPIResponse) and success.content is not None:
            success.content[XLSX_MEDIA_TYPE] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format="binary", description="The same lines as XLSX")
            )


class ReportController(Controller):
    path = "/admin/reports"
    tags = ["reports"]

    @get(
        "/daily",
        sync_to_thread=True,
        summary="Per agency and day: booked, walk-ins, served, no-shows, cancelled, waiting and service time "
        "(median, p90); Accept: text/csv gives CSV, an XLSX media type (or ?format=xlsx) a spreadsheet",
        problems=["not_found"],
        operation_class=AlsoAsFiles,
    )
    def daily(
        self,
        ctx: Ctx,
        request: Req,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=20, description="YYYY-MM-DD")] = None,
        to: Annotated[str | None, QueryParameter(max_length=20, description="YYYY-MM-DD; default today")] = None,
        agency: Annotated[str | None, QueryParameter(max_length=64, description="an agency's slug; none: all")] = None,
        format: Annotated[Literal["json", "csv", "xlsx"] | None, QueryParameter()] = None,  # noqa: A002
    ) -> Response[DailyReportOut]:  # or CSV, XLSX (AlsoAsFiles documents them)
        wanted = format or _format_accepted(request.headers.get("accept", ""))
        language = negotiate_language(request.headers.get("accept-language"))
        with ctx.db.read() as session:
            site = session.get(Site, request.user.site_id)
            last = parse_date("to", to) or site_today(site, ctx.clock())
            first = parse_date("from", from_) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
            check_range(first, last, longest_days=LONGEST_REPORT_DAYS)
            chosen = reports.report_agency(session, request.user, site, agency)
            report = reports.daily_report(session, site, first, last, chosen)
            if wanted == "csv":
                return _file(report_csv(report, language), "text/csv; charset=utf-8", report_filename(report, "csv"))
            if wanted == "xlsx":
                return _file(report_xlsx(report, language), XLSX_MEDIA_TYPE, report_filename(report, "xlsx"))
            return Response(report_out(report, language))


def _format_accepted(accept: str) -> str:
    if XLSX_MEDIA_TYPE in accept:
        return "xlsx"
    return "csv" if "text/csv" in accept else "json"


def _file(content, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def report_out(report: reports.DailyReport, language: str) -> DailyReportOut:
    return DailyReportOut(
        site=report.site.slug,
        timezone=report.site.timezone,
        from_=report.first,
        to=report.last,
        agency=_agency(report.agency),
        days=[_day(row, language) for row in report.rows],
        totals=[_day(row, language) for row in report.totals],
        wait_by_hour=[WaitByHourOut(hour, _minutes(spread)) for hour, spread in report.wait_by_hour.items()],
    )


def _day(row: reports.ReportDay, language: str) -> ReportDayOut:
    return ReportDayOut(
        date=row.date,
        agency=_agency(row.agency),
        status=row.status,
        reason=row.closed(language) if row.closed else None,
        booked=row.booked,
        walk_ins=row.walk_ins,
        served=row.served,
        no_show=row.no_show,
        cancelled=row.cancelled,
        wait_minutes=_minutes(row.wait),
        service_minutes=_minutes(row.service),
        online_share=row.online_share,
        busiest_hours=row.busiest_hours,
        arrivals_by_hour=[HourOut(hour, count) for hour, count in sorted(row.arrivals_by_hour.items())],
    )


def _minutes(spread: reports.Spread) -> MinutesOut:
    return MinutesOut(median=spread.median, p90=spread.p90)


def _agency(agency) -> AgencyRef | None:
    return AgencyRef(slug=agency.slug, name=agency.name) if agency is not None else None
