"""The daily report as a file: CSV, or XLSX for a spreadsheet (openpyxl).

One line per agency and day, the same figures as the JSON; a closed day says so in ``status`` and gives
its reason in the reader's language. Column names stay fixed (formulas refer to them); the numbers of
the XLSX are numbers and its dates dates, so PERCENTILE.INC and the charts of a spreadsheet work on them.

openpyxl, not XlsxWriter: one well-kept library both writes the file (here, in write-only mode, row by
row) and reads it back (the tests open what the API sent with it); XlsxWriter only writes.
"""

from __future__ import annotations

import csv
import io

from booking.reports import DailyReport, ReportDay

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "date",
    "agency",
    "status",
    "reason",
    "booked",
    "walk_ins",
    "served",
    "no_show",
    "cancelled",
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "online_share",
    "busiest_hours",
]
SHEET_TITLE = {"id": "Laporan harian", "en": "Daily report"}


def report_lines(report: DailyReport, language: str) -> list[list]:
    """The report's lines as values: dates, numbers, None for a figure there is none of."""
    return [_line(row, language) for row in report.rows]


def _line(row: ReportDay, language: str) -> list:
    return [
        row.date,
        row.agency.slug if row.agency else "",
        row.status,
        row.closed(language) if row.closed else "",
        row.booked,
        row.walk_ins,
        row.served,
        row.no_show,
        row.cancelled,
        row.wait.median,
        row.wait.p90,
        row.service.median,
        row.service.p90,
        row.online_share,
        " ".join(f"{hour:02d}" for hour in row.busiest_hours),
    ]


def report_csv(report: DailyReport, language: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for line in report_lines(report, language):
        writer.writerow(["" if value is None else value.isoformat() if hasattr(value, "isoformat") else value
                         for value in line])  # fmt: skip
    return out.getvalue()


def report_xlsx(report: DailyReport, language: str) -> bytes:
    # imported here: openpyxl is 13 MiB of every API process's memory, for a file an admin asks for now and then
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE.get(language, SHEET_TITLE["id"]))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, name, bold) for name in HEADER])
    for line in report_lines(report, language):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_filename(report: DailyReport, extension: str) -> str:
    which = report.agency.slug if report.agency else "semua"
    return f"laporan-harian-{report.site.slug}-{which}-{report.first.isoformat()}-{report.last.isoformat()}.{extension}"


def _styled(sheet, value, font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell
