"""A morning on the floor, worked through the queue's own API, then read back in the daily report: the report
reads what the queue writes (tests/reports has the larger seeded week, written as rows)."""

from __future__ import annotations

from tests.queue.conftest import TODAY

DAILY = "/api/v1/admin/reports/daily"


def test_the_report_reads_the_mornings_tickets(floor):
    booked = floor.book(9)
    floor.at(8, 0)
    walk_in = floor.ticket(service="KTP")
    floor.at(8, 6)
    assert floor.called("Loket 1") == walk_in  # waited 6 minutes
    floor.at(8, 7)
    assert floor.step(walk_in, "start").status_code == 200
    floor.at(8, 19)
    assert floor.step(walk_in, "done").status_code == 200  # served in 12
    floor.at(8, 50)
    booked_ticket = floor.ticket(booked)
    floor.at(9, 2)
    assert floor.called("Loket 1") == booked_ticket  # waited 12 minutes
    floor.at(9, 3)
    assert floor.step(booked_ticket, "start").status_code == 200
    floor.at(9, 7)
    assert floor.step(booked_ticket, "done").status_code == 200  # served in 4
    floor.book(11)  # booked for later today: expected, not yet come

    answer = floor.client.get(DAILY, params={"from": TODAY.isoformat(), "to": TODAY.isoformat()}, headers=floor.ani)
    assert answer.status_code == 200, answer.text
    [day] = answer.json()["days"]
    assert (day["booked"], day["walk_ins"], day["served"], day["no_show"], day["cancelled"]) == (2, 1, 2, 0, 0)
    # Waits 6 and 12: median 9, p90 = 6 + 0.9 x 6 = 11.4. Service 12 and 4: median 8, p90 = 4 + 0.9 x 8 = 11.2.
    assert day["wait_minutes"] == {"median": 9.0, "p90": 11.4}
    assert day["service_minutes"] == {"median": 8.0, "p90": 11.2}
    assert [(h["hour"], h["arrivals"]) for h in day["arrivals_by_hour"]] == [(8, 2)]  # 08.00 and 08.50, WIB
    assert day["online_share"] == 0.667  # 2 of 3
