"""The daily report: per agency and day in the site's zone, what happened, from the rows that record it.

No HTTP here: the API (``booking/api/reports.py``) and the pages (``booking/web/reports.py``) call
``daily_report``; ``booking/report_files.py`` writes it as CSV or XLSX.

The figures of one agency on one local day (``local_date`` of the rows, the day in the site's zone):

- ``booked``: online bookings for that day that were not cancelled (the citizens expected);
- ``walk_ins``: walk-in bookings for that day that were not cancelled (kiosk tickets and clerks' walk-ins);
- ``served``: tickets of the agency done that day (a leg ended by a transfer counts: the agency served the
  citizen and sent them on), plus bookings served at the counter without a queue ticket;
- ``no_show`` and ``cancelled``: bookings for that day with that status;
- ``wait_minutes``: from a ticket's arrival to its first call (``arrived_at`` -> ``called_at``; a leg after
  a transfer arrives when it was transferred);
- ``service_minutes``: from the start of service to done (``started_at`` -> ``done_at``);
- ``online_share``: ``booked / (booked + walk_ins)``, None when both are 0;
- ``arrivals_by_hour``: tickets by the local hour they arrived; ``busiest_hours`` the hours with the most
  arrivals (all of them when several tie).

Bookings count by their service's agency, and none of this reads personal data: a booking whose NIK,
name and contact were erased (on request or by retention) counts like any other.

**Median and p90** are one definition, everywhere: the percentile with linear interpolation between
closest ranks. For n sorted values ``x[0..n-1]`` and a fraction p, ``h = (n - 1) * p``; the answer is
``x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])``. It is PostgreSQL's
``percentile_cont``, Python's ``statistics.quantiles(method="inclusive")`` and the spreadsheet's
``PERCENTILE.INC``, so an MPP can check a figure against the XLSX. The database computes each ticket's
wait and service in minutes (``minutes_between``: the one piece of SQL each database says its own way)
and sends one line per ticket; Python ranks them. Ranking in the database instead (window functions, the
same SQL on SQLite and PostgreSQL, returning only the values each percentile falls between) took five
queries and was slower: ``bench/report_daily.py`` measures both. No durations: None (the report shows
"–"). Minutes are given to one decimal.

**Closed days.** An agency's day is closed when availability would call it closed for every service of
the agency: a closure of the agency, the site or the nation that day, every counter closed, or no opening
rule of any counter for that weekday (``booking.availability.open_counters`` / ``why_closed``, read for
the agency as one service served by all its counters). A closed day is shown as closed, with its reason,
never as a day of zeros; its counts stay (bookings cancelled by a closure are there to see).

Local hours: the zones of Indonesia (WIB, WITA, WIT) are whole hours from UTC and have no daylight
saving; the database gives the UTC hour of each arrival and the site's offset on that day (at noon) turns
it into the local hour.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, and_, case, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.functions import FunctionElement

from booking import catalogue
from booking.availability import open_counters, why_closed
from booking.errors import NotFound
from booking.messages import Text
from booking.models import Agency, Booking, BookingStatus, Closure, Counter, Service, Site, Ticket, TicketStatus
from booking.periods import LONGEST_REPORT_DAYS, check_range
from booking.schedule import rules_on
from booking.staff import Principal, require_agency

MAX_DAYS = LONGEST_REPORT_DAYS
MEDIAN, P90 = (1, 2), (9, 10)  # percentiles as integer fractions: the rank is exact


class minutes_between(FunctionElement):
    """Minutes from one instant column to another, as a float: the one piece of SQL each database says its way."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


class utc_hour(FunctionElement):
    """The hour (0-23) of an instant column, in UTC as stored."""

    type = Integer()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "postgresql")
def _hour_postgresql(element, compiler, **kw):
    return f"CAST(EXTRACT(HOUR FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(utc_hour, "sqlite")
def _hour_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%H', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Spread:
    """The median and p90 of some durations, in minutes (None: there were none)."""

    median: float | None = None
    p90: float | None = None
    count: int = 0


@dataclass
class ReportDay:
    """One agency's day, or (``agency`` None) the day of every agency reported together."""

    date: dt.date
    agency: Agency | None
    closed: Text | None = None  # why the day is closed; None: open
    booked: int = 0
    walk_ins: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    wait: Spread = Spread()
    service: Spread = Spread()
    arrivals_by_hour: dict[int, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "closed" if self.closed is not None else "open"

    @property
    def online_share(self) -> float | None:
        visits = self.booked + self.walk_ins
        return round(self.booked / visits, 3) if visits else None

    @property
    def busiest_hours(self) -> list[int]:
        """The local hours with the most arrivals (several when they tie); none without arrivals."""
        most = max(self.arrivals_by_hour.values(), default=0)
        return sorted(hour for hour, arrivals in self.arrivals_by_hour.items() if most and arrivals == most)


@dataclass
class DailyReport:
    site: Site
    first: dt.date
    last: dt.date
    agency: Agency | None  # None: every agency of the site
    agencies: list[Agency]  # those reported, in the site's order
    rows: list[ReportDay]  # per day, then per agency
    totals: list[ReportDay]  # per day, every agency reported together
    wait_by_hour: dict[int, Spread]  # local hour of arrival -> wait, over the whole range


def report_agency(session: Session, principal: Principal, site: Site, agency_slug: str | None) -> Agency | None:
    """The agency a caller may report on: a clerk their own (another is ``forbidden``), an admin the one
    named or, naming none, every agency of the site (None)."""
    if agency_slug:
        agency = None
        if not catalogue.unusable_key(agency_slug):
            agency = session.scalar(select(Agency).where(Agency.site_id == site.id, Agency.slug == agency_slug))
        if agency is None:
            raise NotFound(what="agency")
    elif principal.is_admin:
        return None
    else:
        agency = session.get(Agency, principal.agency_id)
    require_agency(principal, agency.site_id, agency.id)
    return agency


def daily_report(session: Session, site: Site, first: dt.date, last: dt.date, agency: Agency | None) -> DailyReport:
    """The report of one agency (or, ``agency`` None, every agency of the site) from ``first`` to ``last``."""
    check_range(first, last, longest_days=MAX_DAYS)
    agencies, counters = _agencies(session, site, agency)
    ids = [a.id for a in agencies]
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    offsets = {day: _utc_offset_hours(site, day) for day in days}
    closures = catalogue.closures_between(session, site, first, last)
    rows = {
        (day, a.id): ReportDay(day, a, closed=_closed(a, counters[a.id], closures, day))
        for day in days
        for a in agencies
    }
    totals = {day: ReportDay(day, None) for day in days}

    for key, counts in _booking_counts(session, site, ids, first, last).items():
        for name, value in counts.items():
            setattr(rows[key], name, getattr(rows[key], name) + value)
    waits, services = _add_tickets(rows, offsets, _tickets(session, ids, first, last))
    for key, row in rows.items():
        row.wait, row.service = _spread(waits.get(key)), _spread(services.get(key))
    for row in rows.values():
        _add_into(totals[row.date], row)
    for day, total in totals.items():
        total.wait, total.service = _spread(waits.get((day,))), _spread(services.get((day,)))
        total.closed = _all_closed([rows[(day, a.id)] for a in agencies])
    wait_by_hour = {key[1]: _spread(values) for key, values in waits.items() if key[0] == "hour"}
    return DailyReport(
        site=site,
        first=first,
        last=last,
        agency=agency,
        agencies=agencies,
        rows=[rows[(day, a.id)] for day in days for a in agencies],
        totals=[totals[day] for day in days],
        wait_by_hour=dict(sorted(wait_by_hour.items())),
    )


def _add_tickets(rows: dict, offsets: dict[dt.date, int], lines) -> tuple[dict, dict]:
    """Each ticket's arrival hour and served mark into its row; its wait and service into the groups they are
    ranked in: ``(day, agency_id)``, ``(day,)`` and, for waits, ``("hour", local hour)``."""
    waits, services = defaultdict(list), defaultdict(list)
    for day, agency_id, hour, done, wait, service in lines:
        row, local = rows[(day, agency_id)], (hour + offsets[day]) % 24
        row.arrivals_by_hour[local] = row.arrivals_by_hour.get(local, 0) + 1
        row.served += done
        for key in ((day, agency_id), (day,)):
            if wait is not None:
                waits[key].append(wait)
            if service is not None:
                services[key].append(service)
        if wait is not None:
            waits[("hour", local)].append(wait)
    return waits, services


def percentile(values: list[float], fraction: tuple[int, int]) -> float | None:
    """The report's one percentile definition: linear between closest ranks (``PERCENTILE.INC``), to one decimal."""
    return _at(sorted(values), fraction) if values else None


# --- what the database is asked -----------------------------------------------------------------------


def _agencies(session: Session, site: Site, agency: Agency | None) -> tuple[list[Agency], dict[int, list[Counter]]]:
    """The agencies reported, in the site's order, and the counters of each with their opening rules."""
    query = select(Agency).where(Agency.site_id == site.id).order_by(Agency.sort_order, Agency.name)
    if agency is not None:
        query = query.where(Agency.id == agency.id)
    agencies = list(session.scalars(query))
    counters = session.scalars(
        select(Counter).where(Counter.agency_id.in_([a.id for a in agencies])).options(selectinload(Counter.rules))
    )
    by_agency: dict[int, list[Counter]] = defaultdict(list)
    for counter in counters:
        by_agency[counter.agency_id].append(counter)
    return agencies, {a.id: sorted(by_agency[a.id], key=lambda counter: counter.id) for a in agencies}


def _booking_counts(session, site, agency_ids, first, last) -> dict[tuple[dt.date, int], dict[str, int]]:
    status, walk_in = Booking.status, Booking.walk_in
    not_cancelled = status != BookingStatus.cancelled
    served_without_ticket = and_(status == BookingStatus.served, ~exists().where(Ticket.booking_id == Booking.id))
    rows = session.execute(
        select(
            Booking.local_date,
            Service.agency_id,
            _count_if(and_(not_cancelled, walk_in.is_(False))),
            _count_if(and_(not_cancelled, walk_in.is_(True))),
            _count_if(status == BookingStatus.no_show),
            _count_if(status == BookingStatus.cancelled),
            _count_if(served_without_ticket),
        )
        .join(Service, Service.id == Booking.service_id)
        .where(Booking.site_id == site.id, Booking.local_date.between(first, last), Service.agency_id.in_(agency_ids))
        .group_by(Booking.local_date, Service.agency_id)
    )
    names = ("booked", "walk_ins", "no_show", "cancelled", "served")
    return {(day, agency_id): dict(zip(names, map(int, counts), strict=True)) for day, agency_id, *counts in rows}


def _tickets(session, agency_ids, first, last):
    """One line per ticket (leg) of the range: day, agency, UTC hour of arrival, 1 if done, and its wait and
    service in minutes as the database computes them (None where not measured)."""
    wait = case((Ticket.called_at.is_not(None), minutes_between(Ticket.arrived_at, Ticket.called_at)))
    measured = and_(Ticket.started_at.is_not(None), Ticket.done_at.is_not(None))
    service = case((measured, minutes_between(Ticket.started_at, Ticket.done_at)))
    return session.execute(
        select(
            Ticket.local_date, Ticket.agency_id, utc_hour(Ticket.arrived_at),
            case((Ticket.status == TicketStatus.done, 1), else_=0), wait, service,
        ).where(Ticket.agency_id.in_(agency_ids), Ticket.local_date.between(first, last))
    )  # fmt: skip


def _spread(values: list[float] | None) -> Spread:
    if not values:
        return Spread()
    ordered = sorted(float(value) for value in values)
    return Spread(median=_at(ordered, MEDIAN), p90=_at(ordered, P90), count=len(ordered))


def _at(ordered: list[float], fraction: tuple[int, int]) -> float:
    """x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]) with h = (n - 1) p, p = fraction, in exact
    integer arithmetic for the rank."""
    low, remainder = divmod((len(ordered) - 1) * fraction[0], fraction[1])
    high = ordered[min(low + 1, len(ordered) - 1)]
    return round(ordered[low] + remainder / fraction[1] * (high - ordered[low]), 1)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# --- closed days --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _AgencyAsService:
    """An agency read as one service served by all its counters: what availability's closed-day rules take."""

    agency: Agency
    counters: list[Counter]

    @property
    def agency_id(self) -> int:
        return self.agency.id


def _closed(agency: Agency, counters: list[Counter], closures: list[Closure], day: dt.date) -> Text | None:
    """Why the agency is closed that day, as availability says it; None when a counter of it opens."""
    whole = _AgencyAsService(agency, counters)
    opened = open_counters(whole, closures, day)
    if isinstance(opened, Closure) or not any(c is not None and rules_on(c, day) for c in opened):
        return why_closed(whole, closures, day)
    return None


def _all_closed(rows: list[ReportDay]) -> Text | None:
    """The day of several agencies is closed when each of them is: with their reason when they share one."""
    if not rows or any(row.closed is None for row in rows):
        return None
    reasons = {row.closed for row in rows}
    return reasons.pop() if len(reasons) == 1 else Text("Tutup", "Closed")


def _add_into(total: ReportDay, row: ReportDay) -> None:
    for name in ("booked", "walk_ins", "served", "no_show", "cancelled"):
        setattr(total, name, getattr(total, name) + getattr(row, name))
    for hour, arrivals in row.arrivals_by_hour.items():
        total.arrivals_by_hour[hour] = total.arrivals_by_hour.get(hour, 0) + arrivals


def _utc_offset_hours(site: Site, day: dt.date) -> int:
    offset = dt.datetime.combine(day, dt.time(12), ZoneInfo(site.timezone)).utcoffset()
    return int(offset.total_seconds() // 3600)
