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
``PERCENTILE.INC``, so an MPP can check a figure against the XLSX. The database ranks the durations
(window functions, the same SQL on SQLite and PostgreSQL) and returns only the one or two values each
percentile needs; Python interpolates between them. No durations: None (the report shows "–"). Minutes
are given to one decimal.

**Closed days.** An agency's day is closed when availability would call it closed for every service of
the agency: a closure of the agency, the site or the nation that day, every counter closed, or no opening
rule of any counter for that weekday (``booking.availability.open_counters`` / ``why_closed``, read for
the agency as one service served by all its counters). A closed day is shown as closed, with its reason,
never as a day of zeros; its counts stay (bookings cancelled by a closure are there to see).

Local hours: the zones of Indonesia (WIB, WITA, WIT) are whole hours from UTC and have no daylight
saving; the database gives the UTC hour of each arrival and the site's offset on that day turns it into
the local hour.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, and_, case, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.functions import FunctionElement

from booking import catalogue
from booking.availability import open_counters, why_closed
from booking.errors import FieldError, InvalidInput, NotFound
from booking.messages import Text
from booking.models import Agency, Booking, BookingStatus, Closure, Counter, Service, Site, Ticket, TicketStatus
from booking.schedule import rules_on
from booking.staff import Principal, require_agency

MAX_DAYS = 366  # a year, leap years too
MEDIAN, P90 = (1, 2), (9, 10)  # percentiles as integer fractions: the database ranks with integer arithmetic


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


def check_range(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise InvalidInput([FieldError("to", "range_reversed")])
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput([FieldError("to", "range_too_long", {"days": MAX_DAYS})])


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
    check_range(first, last)
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
    tickets = _ticket_counts(session, ids, first, last)
    for (day, agency_id, hour), (arrivals, done) in tickets.items():
        row = rows[(day, agency_id)]
        local = (hour + offsets[day]) % 24
        row.arrivals_by_hour[local] = row.arrivals_by_hour.get(local, 0) + arrivals
        row.served += done
    for (day, agency_id), spread in _spreads(
        session, _waits(), [Ticket.local_date, Ticket.agency_id], ids, first, last
    ).items():
        rows[(day, agency_id)].wait = spread
    for (day, agency_id), spread in _spreads(
        session, _services(), [Ticket.local_date, Ticket.agency_id], ids, first, last
    ).items():
        rows[(day, agency_id)].service = spread

    for row in rows.values():
        _add_into(totals[row.date], row)
    if len(agencies) == 1:
        for day in days:
            only = rows[(day, agencies[0].id)]
            totals[day].wait, totals[day].service, totals[day].closed = only.wait, only.service, only.closed
    else:
        for (day,), spread in _spreads(session, _waits(), [Ticket.local_date], ids, first, last).items():
            totals[day].wait = spread
        for (day,), spread in _spreads(session, _services(), [Ticket.local_date], ids, first, last).items():
            totals[day].service = spread
        for day in days:
            totals[day].closed = _all_closed([rows[(day, a.id)] for a in agencies])

    wait_by_hour = {
        (hour + offsets[first]) % 24: spread
        for (hour,), spread in _spreads(session, _waits(), [utc_hour(Ticket.arrived_at)], ids, first, last).items()
    }
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


def percentile(values: list[float], fraction: tuple[int, int]) -> float | None:
    """The report's one percentile definition (linear between closest ranks) over sorted values; the database
    does the ranking in ``_spreads``, this is the same rule in plain Python, for tests and readers."""
    if not values:
        return None
    ordered = sorted(values)
    low, remainder = divmod((len(ordered) - 1) * fraction[0], fraction[1])
    return _interpolate(ordered[low], ordered[min(low + 1, len(ordered) - 1)], remainder / fraction[1])


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


def _ticket_counts(session, agency_ids, first, last) -> dict[tuple[dt.date, int, int], tuple[int, int]]:
    """Tickets (legs) by day, agency and UTC hour of arrival: how many arrived, how many were done."""
    hour = utc_hour(Ticket.arrived_at)
    rows = session.execute(
        select(Ticket.local_date, Ticket.agency_id, hour, func.count(), _count_if(Ticket.status == TicketStatus.done))
        .where(Ticket.agency_id.in_(agency_ids), Ticket.local_date.between(first, last))
        .group_by(Ticket.local_date, Ticket.agency_id, hour)
    )
    return {(day, agency_id, int(h)): (int(arrivals), int(done)) for day, agency_id, h, arrivals, done in rows}


def _waits():
    return minutes_between(Ticket.arrived_at, Ticket.called_at), Ticket.called_at.is_not(None)


def _services():
    return minutes_between(Ticket.started_at, Ticket.done_at), and_(
        Ticket.started_at.is_not(None), Ticket.done_at.is_not(None)
    )


def _spreads(session, measure, keys, agency_ids, first, last) -> dict[tuple, Spread]:
    """Median and p90 of a duration per group of ``keys``: the database ranks each group's durations and
    returns the values at the ranks the two percentiles fall between (at most four rows a group)."""
    minutes, present = measure
    ranked = (
        select(
            *[key.label(f"k{n}") for n, key in enumerate(keys)],
            minutes.label("v"),
            (func.row_number().over(partition_by=keys, order_by=minutes) - 1).label("i"),
            func.count().over(partition_by=keys).label("n"),
        )
        .where(Ticket.agency_id.in_(agency_ids), Ticket.local_date.between(first, last), present)
        .subquery()
    )
    group = [ranked.c[f"k{n}"] for n in range(len(keys))]
    wanted = [ranked.c.i == (ranked.c.n - 1) * num // den + step for num, den in (MEDIAN, P90) for step in (0, 1)]
    rows = session.execute(select(*group, ranked.c.n, ranked.c.i, ranked.c.v).where(or_(*wanted)))
    picked: dict[tuple, tuple[int, dict[int, float]]] = {}
    for *key, n, i, v in rows:
        picked.setdefault(tuple(key), (int(n), {}))[1][int(i)] = float(v)
    return {key: _spread(n, values) for key, (n, values) in picked.items()}


def _spread(n: int, at_rank: dict[int, float]) -> Spread:
    def value(fraction):
        low, remainder = divmod((n - 1) * fraction[0], fraction[1])
        return _interpolate(at_rank[low], at_rank.get(low + 1, at_rank[low]), remainder / fraction[1])

    return Spread(median=value(MEDIAN), p90=value(P90), count=n)


def _interpolate(low: float, high: float, weight: float) -> float:
    return round(low + weight * (high - low), 1)


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
