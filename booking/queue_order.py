"""Who is next: the order of an agency's queue, written once (pure: no database, no clock of its own).

The rule, in the README's words:

1. Priority groups first (the elderly, people with disabilities, pregnant women, people with small
   children: UU 25/2009 Pasal 29), in the order they arrived.
2. Then booked citizens whose time has come, by their booked time: a booked citizen who arrived is
   called no later than their slot, however many walk-ins are waiting.
3. Then walk-ins (and booked citizens who came too late to keep their time), in the order they arrived.
4. Last, booked citizens who came early, by their booked time: they wait for their time unless the
   counter has nobody else to call.

A counter calls the first ticket of that order among the services it serves. Ties are broken by arrival,
then by ticket id, so the order is total and the same in every process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PRIORITY, BOOKED_DUE, WALK_IN, BOOKED_EARLY = range(4)


@dataclass(frozen=True)
class Waiting:
    """What the order needs to know of a waiting ticket."""

    id: int
    service_id: int
    priority: bool
    due_at: dt.datetime | None  # a booked citizen's slot start; None for walk-ins and late arrivals
    queued_at: dt.datetime  # arrival (or comeback)


def tier(ticket: Waiting, now: dt.datetime) -> int:
    if ticket.priority:
        return PRIORITY
    if ticket.due_at is None:
        return WALK_IN
    return BOOKED_DUE if ticket.due_at <= now else BOOKED_EARLY


def order_key(ticket: Waiting, now: dt.datetime) -> tuple:
    rank = tier(ticket, now)
    by_time = ticket.due_at if rank in (BOOKED_DUE, BOOKED_EARLY) else ticket.queued_at
    return (rank, by_time, ticket.queued_at, ticket.id)


def queue_order(tickets: Iterable[Waiting], now: dt.datetime) -> list[Waiting]:
    return sorted(tickets, key=lambda ticket: order_key(ticket, now))


def next_for_counter(tickets: Iterable[Waiting], services: set[int], now: dt.datetime) -> list[Waiting]:
    """The tickets a counter serving ``services`` may call, the one to call first at the head."""
    return queue_order((ticket for ticket in tickets if ticket.service_id in services), now)
