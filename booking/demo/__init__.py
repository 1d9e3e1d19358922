"""Demo data in the real shape of MPP Blora (31 agencies, 271 services) and a small WITA site.

The agency and service lists come from ``data/<site>/*.csv`` (compiled from public sources, see
``../shared/data/mpp-blora.md``); counters and opening hours follow the derived defaults there: Monday to
Thursday 08.00–15.00 with a break 12.00–12.30, Friday 08.00–11.00 (the Friday prayer), weekends and
national holidays closed. Loading is idempotent: what exists (by slug, code, label) is left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.holidays import load_national_holidays, years_ahead
from booking.models import Agency, Counter, OpeningRule, Service, Site

DATA_DIR = Path(__file__).parent / "data"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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


SITES = [
    DemoSite(
        slug="blora",
        name="Mal Pelayanan Publik Kabupaten Blora",
        timezone="Asia/Jakarta",
        address="Jl. Blora–Cepu KM 5, Ngelobener, Kec. Jepon, Kabupaten Blora, Jawa Tengah",
    ),
    DemoSite(
        slug="denpasar",
        name="Mal Pelayanan Publik Kota Denpasar (demo)",
        timezone="Asia/Makassar",
        address="Kota Denpasar, Bali (alamat demo)",
    ),
]


def load_demo(session: Session, today: dt.date) -> dict[str, int]:
    """Load every demo site and this year's and next year's national holidays; returns what was added."""
    added = {"sites": 0, "agencies": 0, "services": 0, "counters": 0, "holidays": 0}
    for spec in SITES:
        for key, count in load_site(session, spec, DATA_DIR / spec.slug).items():
            added[key] += count
    added["holidays"] = load_national_holidays(session, years_ahead(today))
    return added


def load_site(session: Session, spec: DemoSite, folder: Path) -> dict[str, int]:
    added = {"sites": 0, "agencies": 0, "services": 0, "counters": 0}
    site = session.scalar(select(Site).where(Site.slug == spec.slug))
    if site is None:
        site = Site(
            slug=spec.slug,
            name=spec.name,
            timezone=spec.timezone,
            address=spec.address,
            min_lead_minutes=spec.min_lead_minutes,
            max_days_ahead=spec.max_days_ahead,
        )
        session.add(site)
        session.flush()
        added["sites"] += 1

    agencies = {agency.slug: agency for agency in session.scalars(select(Agency).where(Agency.site_id == site.id))}
    agency_rows = _read_csv(folder / "agencies.csv")
    for order, row in enumerate(agency_rows):
        if row["slug"] not in agencies:
            agencies[row["slug"]] = Agency(site_id=site.id, slug=row["slug"], name=row["name"], sort_order=order)
            session.add(agencies[row["slug"]])
            added["agencies"] += 1
    session.flush()

    codes = set(session.scalars(select(Service.code).where(Service.site_id == site.id)))
    for row in _read_csv(folder / "services.csv"):
        if row["code"] in codes:
            continue
        session.add(
            Service(
                site_id=site.id,
                agency_id=agencies[row["agency"]].id,
                code=row["code"],
                name=row["name"],
                duration_minutes=int(row["duration_minutes"]),
                requirements=[item.strip() for item in row["requirements"].split("|") if item.strip()],
                daily_quota=int(row["daily_quota"]) if row["daily_quota"] else None,
            )
        )
        added["services"] += 1
    session.flush()

    added["counters"] = _add_counters(session, site, agencies, agency_rows)
    return added


def _add_counters(session: Session, site: Site, agencies: dict[str, Agency], agency_rows: list[dict]) -> int:
    """Counters numbered across the hall (Loket 1, 2, ...), each serving all its agency's services."""
    labels = set(session.scalars(select(Counter.label).where(Counter.site_id == site.id)))
    number, added = 0, 0
    for row in agency_rows:
        agency = agencies[row["slug"]]
        services = list(session.scalars(select(Service).where(Service.agency_id == agency.id)))
        for _ in range(int(row["counters"])):
            number += 1
            label = f"Loket {number}"
            if label in labels:
                continue
            counter = Counter(site_id=site.id, agency_id=agency.id, label=label, services=services)
            counter.rules = [
                _rule(WEEKDAYS.index(day), int(row["slot_minutes"]), int(row["capacity"]))
                for day in row["weekdays"].split(",")
            ]
            session.add(counter)
            added += 1
    session.flush()
    return added


def _rule(weekday: int, slot_minutes: int, capacity: int) -> OpeningRule:
    hours = FRIDAY if weekday == 4 else MON_TO_THU
    return OpeningRule(
        weekday=weekday,
        opens_at=hours.opens,
        closes_at=hours.closes,
        slot_minutes=slot_minutes,
        capacity=capacity,
        break_starts_at=hours.break_starts,
        break_ends_at=hours.break_ends,
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
