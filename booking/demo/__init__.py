"""Demo data in the real shape of MPP Blora (31 agencies, 271 services) and a small WITA site.

The agency and service lists come from ``data/<site>/*.csv`` (compiled from public sources, see
``../shared/data/mpp-blora.md``); counters and opening hours follow the derived defaults there: Monday to
Thursday 08.00–15.00 with a break 12.00–12.30, Friday 08.00–11.00 (the Friday prayer), weekends and
national holidays closed. Loading goes through the importer (``booking.importer``), so the demo data
pass the same checks as any MPP's files, and is idempotent: what exists (by slug, code, label) is left alone.
``synonyms.csv`` gives the site's search synonyms (the ways citizens write its services), added if missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.holidays import load_national_holidays, years_ahead
from booking.importer import COLUMNS, CsvRow, Table, import_tables, parse_weekday, read_csv
from booking.models import Site
from booking.search import add_missing_synonyms

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Hours:
    opens: dt.time
    closes: dt.time
    break_starts: dt.time | None = None
    break_ends: dt.time | None = None


MON_TO_THU = Hours(dt.time(8), dt.time(15), dt.time(12), dt.time(12, 30))
FRIDAY = Hours(dt.time(8), dt.time(11))


@dataclass(frozen=True)
class DemoSite:
    slug: str
    name: str
    timezone: str
    address: str
    min_lead_minutes: int = 60
    max_days_ahead: int = 30
    privacy_contact: str = ""


SITES = [
    DemoSite(
        slug="blora",
        name="Mal Pelayanan Publik Kabupaten Blora",
        timezone="Asia/Jakarta",
        address="Jl. Blora–Cepu KM 5, Ngelobener, Kec. Jepon, Kabupaten Blora, Jawa Tengah",
        privacy_contact="pdp@mpp-blora.example, (0296) 000 000 (demo)",
    ),
    DemoSite(
        slug="denpasar",
        name="Mal Pelayanan Publik Kota Denpasar (demo)",
        timezone="Asia/Makassar",
        address="Kota Denpasar, Bali (alamat demo)",
        privacy_contact="pdp@mpp-denpasar.example (demo)",
    ),
]


def load_demo(session: Session, today: dt.date) -> dict[str, int]:
    """Load every demo site and this year's and next year's national holidays; returns what was added."""
    added = {"sites": 0, "agencies": 0, "services": 0, "counters": 0, "synonyms": 0, "holidays": 0}
    for spec in SITES:
        for key, count in load_site(session, spec, DATA_DIR / spec.slug).items():
            added[key] += count
    now = dt.datetime.combine(today, dt.time(), dt.UTC)
    added["holidays"] = load_national_holidays(session, years_ahead(today), now)  # never cancels a booking
    return added


def load_site(session: Session, spec: DemoSite, folder: Path) -> dict[str, int]:
    """Create what is missing of one demo site through the importer; what exists is left alone."""
    summary = import_tables(session, demo_tables(spec, folder), keep_existing=True)
    added = {kind: summary.created[kind] for kind in ("sites", "agencies", "services", "counters")}
    return added | {"synonyms": load_synonyms(session, spec.slug, folder / "synonyms.csv")}


def load_synonyms(session: Session, site_slug: str, path: Path) -> int:
    """The ways the site's citizens write its services (``term``, ``means``; ``why`` is for the reader)."""
    if not path.exists():
        return 0
    _, rows = read_csv(path)
    site = session.scalar(select(Site).where(Site.slug == site_slug))
    return add_missing_synonyms(session, site, [(row["term"], row["means"]) for row in rows])


def demo_tables(spec: DemoSite, folder: Path) -> dict[str, Table]:
    """The demo site as the importer's tables: agencies and services from the compiled CSVs; counters
    numbered across the hall (Loket 1, 2, ...), each serving all its agency's services, with the hours
    of the derived defaults."""
    _, agency_rows = read_csv(folder / "agencies.csv")
    _, service_rows = read_csv(folder / "services.csv")
    site = {
        "slug": spec.slug, "name": spec.name, "timezone": spec.timezone, "address": spec.address,
        "min_lead_minutes": str(spec.min_lead_minutes), "max_days_ahead": str(spec.max_days_ahead),
        "privacy_contact": spec.privacy_contact,
    }  # fmt: skip
    agencies = [
        CsvRow(
            row.line,
            {"slug": row["slug"], "name": row["name"], "sort_order": str(order), "ticket_prefix": row["code"]},
        )
        for order, row in enumerate(agency_rows)
    ]
    services = [CsvRow(row.line, {column: row[column] for column in _columns("services.csv")}) for row in service_rows]
    codes = defaultdict(list)
    for row in service_rows:
        codes[row["agency"]].append(row["code"])
    counters, hours, number = [], [], 0
    for row in agency_rows:
        for _ in range(int(row["counters"])):
            number += 1
            label = f"Loket {number}"
            counters.append(
                CsvRow(row.line, {"agency": row["slug"], "label": label, "services": ";".join(codes[row["slug"]])})
            )
            hours += [_hours_row(row, label, day) for day in row["weekdays"].split(",")]
    rows = {
        "site.csv": [CsvRow(2, site)],
        "agencies.csv": agencies,
        "services.csv": services,
        "counters.csv": counters,
        "opening_hours.csv": hours,
    }
    return {file: (_columns(file), table) for file, table in rows.items()}


def _hours_row(agency_row: CsvRow, label: str, day: str) -> CsvRow:
    hours = FRIDAY if parse_weekday(day) == 4 else MON_TO_THU
    return CsvRow(
        agency_row.line,
        {
            "counter": label, "weekday": day, "opens": f"{hours.opens:%H:%M}", "closes": f"{hours.closes:%H:%M}",
            "slot_minutes": agency_row["slot_minutes"], "capacity": agency_row["capacity"],
            "break_start": f"{hours.break_starts:%H:%M}" if hours.break_starts else "",
            "break_end": f"{hours.break_ends:%H:%M}" if hours.break_ends else "",
        },
    )  # fmt: skip


def _columns(file: str) -> list[str]:
    needed, optional = COLUMNS[file]
    return [*needed, *optional]
