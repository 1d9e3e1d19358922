"""A worker is woken after every commit that planned messages, whichever handler planned them, and only then.

The wake-up is one hook of the database (``Database.messages_committed``), not a call in each handler: the
call-next path, which plans "your turn soon", never woke a worker while each handler had to remember to.
The hook here records how many planned rows another connection can already see when it runs, which is
how a worker's sweep would find them: a wake-up before the commit would find none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from booking.http.app import create_app
from booking.models import Notification, NotificationStatus
from tests.factories import MONDAY_MORNING, at, booking_body
from tests.queue.conftest import TODAY


class WakeUps:
    def __init__(self, db) -> None:
        self.db = db
        self.seen: list[int] = []  # per wake-up: pending rows committed when it ran

    def __call__(self) -> None:
        with self.db.read() as session:
            self.seen.append(
                session.scalar(select(func.count()).where(Notification.status == NotificationStatus.pending))
            )


@pytest.fixture
def wake_ups(db) -> WakeUps:
    return WakeUps(db)


@pytest.fixture
def client(settings, db, clock, wake_ups):
    with TestClient(create_app(settings, db=db, clock=clock, wake_up=wake_ups)) as test_client:
        yield test_client


def pending(db, kind: str) -> int:
    with db.read() as session:
        return session.scalar(
            select(func.count()).where(Notification.kind == kind, Notification.status == NotificationStatus.pending)
        )


def test_a_booking_wakes_a_worker_once_after_its_confirmation_is_committed(floor, wake_ups):
    floor.book(8, 30)

    assert pending(floor.db, "booking_confirmed") == 1
    assert len(wake_ups.seen) == 1
    assert wake_ups.seen[0] >= 1  # the confirmation was visible to a sweep when the worker was woken


def test_a_refused_booking_or_an_arrival_wakes_nobody(floor, wake_ups):
    code = floor.book(8, 30)
    assert len(wake_ups.seen) == 1

    # the same citizen again, the same service and day: refused (one booking per citizen per service per day)
    floor.clock.now = MONDAY_MORNING - dt.timedelta(hours=12)
    again = floor.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 9), n=1))
    assert again.status_code == 409, again.text
    floor.at(8, 20)
    floor.ticket(code)  # an arrival plans no message

    assert len(wake_ups.seen) == 1


def test_a_call_that_tells_the_next_citizen_their_turn_is_near_wakes_a_worker(floor, wake_ups):
    first, second = floor.book(8, 30), floor.book(8, 30)
    floor.at(8, 20)
    floor.ticket(first)
    floor.ticket(second)
    assert pending(floor.db, "turn_soon") == 0
    woken_before = len(wake_ups.seen)

    floor.at(8, 30)
    floor.called("Loket 1")

    assert pending(floor.db, "turn_soon") == 1
    assert len(wake_ups.seen) == woken_before + 1
    assert wake_ups.seen[-1] >= 1


def test_the_end_of_a_visit_wakes_a_worker_for_its_survey(floor, wake_ups):
    code = floor.book(8, 30)
    floor.at(8, 20)
    ticket = floor.ticket(code)
    floor.at(8, 30)
    assert floor.called("Loket 1") == ticket
    woken_before = len(wake_ups.seen)

    assert floor.step(ticket, "done").status_code == 200

    assert pending(floor.db, "survey") == 1
    assert len(wake_ups.seen) == woken_before + 1
    assert wake_ups.seen[-1] >= 1
