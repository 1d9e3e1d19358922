"""The order rule (booking/queue_order.py) against a simple model of it, over random days on the floor.

A day is a handful of tickets (priority or not, booked with a slot or walked in, arriving at random
minutes, for one of two services) and a counter that serves some services and calls at random minutes.
The counter takes the head of ``next_for_counter``; the model picks by reading the README's four rules
one after the other. Beyond agreeing with the model, the day must show what the rule promises: no
ticket called twice, nobody called while a priority citizen the counter could serve waits, and no
walk-in called while a booked citizen whose time has come waits.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.queue_order import Waiting, next_for_counter

OPENING = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 in Blora


def minute(n: int) -> dt.datetime:
    return OPENING + dt.timedelta(minutes=n)


@st.composite
def days(draw):
    count = draw(st.integers(min_value=1, max_value=14))
    tickets, arrivals = [], {}
    for ticket_id in range(1, count + 1):
        arrives = draw(st.integers(0, 180))
        booked = draw(st.booleans())
        due = minute(draw(st.integers(max(arrives - 15, 0), arrives + 90))) if booked else None
        tickets.append(
            Waiting(
                id=ticket_id,
                service_id=draw(st.sampled_from([1, 2])),
                priority=draw(st.booleans()) and draw(st.booleans()),  # about one in four
                due_at=due,
                queued_at=minute(arrives),
            )
        )
        arrivals[ticket_id] = minute(arrives)
    services = draw(st.sampled_from([{1}, {2}, {1, 2}]))
    calls = sorted(draw(st.lists(st.integers(0, 240), min_size=1, max_size=20)))
    return tickets, services, [minute(n) for n in calls]


def model_pick(waiting: list[Waiting], services: set[int], now: dt.datetime) -> Waiting | None:
    """The README's rule, read one line after the other."""
    mine = [t for t in waiting if t.service_id in services]
    priority = [t for t in mine if t.priority]
    if priority:
        return min(priority, key=lambda t: (t.queued_at, t.id))
    due = [t for t in mine if t.due_at is not None and t.due_at <= now]
    if due:
        return min(due, key=lambda t: (t.due_at, t.queued_at, t.id))
    walk_ins = [t for t in mine if t.due_at is None]
    if walk_ins:
        return min(walk_ins, key=lambda t: (t.queued_at, t.id))
    return min(mine, key=lambda t: (t.due_at, t.queued_at, t.id)) if mine else None


def play(tickets, services, calls):
    """Each call takes the head of the order among the tickets that have arrived and wait."""
    called: list[tuple[dt.datetime, Waiting, list[Waiting]]] = []
    done: set[int] = set()
    for now in calls:
        waiting = [t for t in tickets if t.queued_at <= now and t.id not in done]
        order = next_for_counter(waiting, services, now)
        assert (order[0] if order else None) == model_pick(waiting, services, now)
        if order:
            done.add(order[0].id)
            called.append((now, order[0], waiting))
    return called


@settings(max_examples=400, deadline=None, derandomize=True)
@given(days())
def test_the_counter_calls_as_the_model_does_and_keeps_the_promises(day):
    tickets, services, calls = day
    called = play(tickets, services, calls)

    ids = [ticket.id for _, ticket, _ in called]
    assert len(ids) == len(set(ids)), "a ticket was called twice"
    for now, ticket, waiting in called:
        mine = [t for t in waiting if t.service_id in services and t.id != ticket.id]
        assert ticket.service_id in services
        if not ticket.priority:
            assert not [t for t in mine if t.priority], "someone was called before a waiting priority citizen"
        if ticket.due_at is None and not ticket.priority:
            overdue = [t for t in mine if t.due_at is not None and t.due_at <= now and not t.priority]
            assert not overdue, "a walk-in was called while a booked citizen whose time had come waited"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(days())
def test_a_booked_citizen_who_arrived_on_time_is_called_at_the_first_call_from_their_slot_on(day):
    """Unless a priority citizen or a booked citizen with an earlier (or the same) time comes first."""
    tickets, services, calls = day
    called = play(tickets, services, calls)
    called_at = {ticket.id: now for now, ticket, _ in called}
    for ticket in tickets:
        if ticket.due_at is None or ticket.priority or ticket.service_id not in services:
            continue
        # from the first call at which they are both here and due
        later_calls = [(now, other) for now, other, _ in called if now >= max(ticket.due_at, ticket.queued_at)]
        if not later_calls or ticket.id in called_at and called_at[ticket.id] < ticket.due_at:
            continue
        for now, other in later_calls:
            if other.id == ticket.id:
                break
            assert other.priority or (other.due_at is not None and other.due_at <= ticket.due_at), (
                f"{other} was called at {now} before {ticket}, whose time had come"
            )


def test_the_rule_on_a_morning_written_out_by_hand():
    walk_in = Waiting(1, 1, False, None, minute(0))
    early = Waiting(2, 1, False, minute(30), minute(5))
    elderly = Waiting(3, 1, True, None, minute(10))
    late_walk_in = Waiting(4, 1, False, None, minute(25))
    tickets = [walk_in, early, elderly, late_walk_in]
    assert [t.id for t in next_for_counter(tickets, {1}, minute(15))] == [3, 1, 4, 2]
    assert [t.id for t in next_for_counter(tickets, {1}, minute(30))] == [3, 2, 1, 4]
    assert next_for_counter(tickets, {2}, minute(30)) == []
