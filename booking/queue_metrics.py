"""The queue as an operator watches it (``/metrics``): who waits at each agency, for how long, and how many
calls each counter made today. Read from the database, so every API process and clerk's page counts,
whichever process serves the scrape.

"Today" is each site's own day: a ticket left waiting yesterday is not today's queue. A ticket waits since
it last joined the line: its arrival, the transfer that started its leg, or its comeback after a miss.
Calls are first calls and recalls of today's tickets at each counter (a missed ticket that comes back
leaves its counter, and its calls there with it: the count may step back then, read as a reset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from booking.availability import site_today
from booking.models import Agency, Counter, Site, Ticket, TicketStatus, UTCDateTime


@dataclass(frozen=True)
class AgencyQueue:
    site: str
    agency: str
    waiting: int
    oldest_waiting_seconds: float  # 0 when nobody waits


@dataclass(frozen=True)
class CounterCalls:
    site: str
    agency: str
    counter: str
    calls: int


def _todays(session: Session, now: dt.datetime) -> dict[int, tuple[str, dt.date]]:
    """Each site's slug and its day at ``now``."""
    return {site.id: (site.slug, site_today(site, now)) for site in session.scalars(select(Site))}


def agency_queues(session: Session, now: dt.datetime) -> list[AgencyQueue]:
    """Every agency, with its waiting tickets of today and the age of the longest wait."""
    sites = _todays(session, now)
    since = case((Ticket.arrived_at > Ticket.queued_at, Ticket.arrived_at), else_=Ticket.queued_at)
    oldest = type_coerce(func.min(since), UTCDateTime)
    waiting = session.execute(
        select(Ticket.agency_id, Ticket.site_id, Ticket.local_date, func.count(), oldest)
        .where(Ticket.status == TicketStatus.waiting, Ticket.local_date.in_({day for _, day in sites.values()}))
        .group_by(Ticket.agency_id, Ticket.site_id, Ticket.local_date)
    )  # fmt: skip
    found = {agency: (count, oldest) for agency, site, day, count, oldest in waiting if sites[site][1] == day}
    agencies = session.execute(select(Agency.id, Agency.site_id, Agency.slug).order_by(Agency.site_id, Agency.slug))
    queues = []
    for agency_id, site_id, slug in agencies:
        count, oldest = found.get(agency_id, (0, None))
        age = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
        queues.append(AgencyQueue(sites[site_id][0], slug, count, age))
    return queues


def counter_calls(session: Session, now: dt.datetime) -> list[CounterCalls]:
    """Every counter, with the calls (first calls and recalls) of today's tickets it called."""
    sites = _todays(session, now)
    calls = session.execute(
        select(Ticket.counter_id, Ticket.site_id, Ticket.local_date, func.count(), func.sum(Ticket.recalls))
        .where(
            and_(Ticket.counter_id.is_not(None), Ticket.called_at.is_not(None)),
            Ticket.local_date.in_({day for _, day in sites.values()}),
        )
        .group_by(Ticket.counter_id, Ticket.site_id, Ticket.local_date)
    )
    found = {
        counter: count + int(recalls or 0) for counter, site, day, count, recalls in calls if sites[site][1] == day
    }
    counters = session.execute(
        select(Counter.id, Counter.site_id, Agency.slug, Counter.label)
        .join(Agency, Agency.id == Counter.agency_id)
        .order_by(Counter.site_id, Counter.label)
    )
    return [
        CounterCalls(sites[site_id][0], agency, label, found.get(counter_id, 0))
        for counter_id, site_id, agency, label in counters
    ]
