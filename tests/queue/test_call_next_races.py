"""Twenty counters pressing "call next" at once, from several processes, through a real server.

The queue holds 25 walk-ins; 20 counters each press once and ten of them press a second time at the
same moment (a double tap). What must hold: every press answers 200 or 409 (never 5xx); each ticket is
called at most once; each counter calls exactly one ticket (its second press is ``counter_busy``); and
the twenty called are the twenty first in the queue's order (walk-ins by arrival).
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from booking.http.app import create_app
from booking.models import Ticket, TicketStatus
from tests.crowd import fire
from tests.factories import bearer, make_site, make_staff
from tests.inprocess_server import serving
from tests.queue.conftest import local

pytestmark = pytest.mark.slow
COUNTERS, WAITING, DOUBLE_TAPS = 20, 25, 10


def test_twenty_counters_calling_at_once_never_share_a_citizen(settings, db, clock):
    make_site(db, counters=COUNTERS, capacity=2)  # the current and the next slot hold 2 x 20 x 2 walk-ins
    make_staff(db, "ani", agency="dukcapil")
    clock.now = local(8, 0)
    app = create_app(settings, db=db, clock=clock)
    with serving(app) as server, httpx.Client(base_url=server, timeout=60) as client:
        clerk = bearer(client, "ani")
        arrivals = []
        for n in range(WAITING):
            clock.now = local(8, 0) + n * (local(8, 1) - local(8, 0)) / 10  # six seconds apart: a clear order
            answer = client.post("/api/v1/sites/uji/arrivals", json={"service": "KTP"})
            assert answer.status_code == 201, answer.text
            arrivals.append(answer.json()["ticket"])
        clock.now = local(8, 10)
        labels = [f"Loket {n}" for n in range(1, COUNTERS + 1)] + [f"Loket {n}" for n in range(1, DOUBLE_TAPS + 1)]
        presses = [{"url": f"{server}/api/v1/staff/counters/{label}/call-next", "headers": clerk} for label in labels]

        result = fire(server, presses, processes=4, keep_bodies=True)

    answers = result.answers
    assert result.peak_in_flight > 1, "the presses did not overlap"
    assert all(answer.status in (200, 409) for answer in answers), [a for a in answers if a.status not in (200, 409)]
    called = [answer.body["ticket"] for answer in answers if answer.status == 200]
    assert len(called) == len(set(called)) == COUNTERS
    assert Counter(answer.code for answer in answers if answer.status == 409) == Counter({"counter_busy": DOUBLE_TAPS})
    assert set(called) == set(arrivals[:COUNTERS])
    with db.read() as session:
        rows = session.execute(select(Ticket.counter_id, Ticket.status).where(Ticket.status == TicketStatus.called))
        counters = [counter_id for counter_id, _ in rows]
    assert len(counters) == len(set(counters)) == COUNTERS
