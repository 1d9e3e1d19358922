"""A flash crowd against a real server process: hundreds of citizens from several OS processes at once.

The server runs on the real clock, so the slot booked is tomorrow in Asia/Jakarta, after the break.
Capacity must come out exact: every free place confirmed, everyone else told the slot (or the day's
quota) is full, nothing failing, and the capacity counters equal to the bookings they stand for.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from booking.invariants import capacity_violations
from booking.models import Booking, BookingStatus, ServiceDayLoad, SlotLoad
from tests.crowd import CrowdResult, fire
from tests.factories import at, booking_body, make_site, wall_clock_tomorrow
from tests.server import running_server, server_log

pytestmark = pytest.mark.slow

PROCESSES = 4
THREADS_PER_PROCESS = 60
ATTEMPTS = PROCESSES * THREADS_PER_PROCESS  # 240


def dialect(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def summary(name: str, database_url: str, result: CrowdResult) -> Counter:
    statuses = Counter(answer.status for answer in result.answers)
    confirmed = statuses[201]
    errors = sum(1 for answer in result.answers if answer.status is None or answer.status >= 500)
    refused = len(result.answers) - confirmed - errors
    slowest = max(answer.seconds for answer in result.answers)
    print(
        f"\n[{name} {dialect(database_url)}] attempts={len(result.answers)} confirmed={confirmed} "
        f"refused={refused} errors={errors} elapsed={result.elapsed:.2f}s slowest={slowest:.2f}s "
        f"peak_in_flight={result.peak_in_flight}"
    )
    return statuses


def active_bookings(db) -> int:
    with db.read() as session:
        return session.scalar(
            select(func.count()).select_from(Booking).where(Booking.status != BookingStatus.cancelled)
        )


def assert_no_failures(result: CrowdResult, data_dir) -> None:
    transport = [answer for answer in result.answers if answer.status is None]
    server_errors = [answer for answer in result.answers if answer.status is not None and answer.status >= 500]
    assert not transport, f"{len(transport)} transport errors, e.g. {transport[:3]}"
    assert not server_errors, f"{len(server_errors)} 5xx, e.g. {server_errors[:3]}\n{server_log(data_dir)[-3000:]}"
    # A crowd, not a queue: a good share of the requests were in flight at one moment.
    assert result.peak_in_flight >= len(result.answers) // 4, f"peak in flight only {result.peak_in_flight}"


def test_flash_crowd_for_one_slot_confirms_exactly_its_places(database_url, db, tmp_path):
    capacity, counters = 2, 2
    places = capacity * counters
    make_site(db, capacity=capacity, counters=counters)
    start = at(wall_clock_tomorrow(), 10, 30)  # the first slot after the 10.00-10.30 break
    requests = [{"json": booking_body(start, n)} for n in range(1, ATTEMPTS + 1)]

    with running_server(database_url, tmp_path / "server") as base_url:
        result = fire(f"{base_url}/api/v1/sites/uji/bookings", requests, processes=PROCESSES)
        day = start[:10]
        availability = httpx.get(
            f"{base_url}/api/v1/sites/uji/services/KTP/availability?from={day}&to={day}", timeout=60
        ).json()

    statuses = summary("flash-crowd one slot", database_url, result)
    assert_no_failures(result, tmp_path / "server")
    assert statuses[201] == places
    refused = [answer for answer in result.answers if answer.status != 201]
    assert {(answer.status, answer.code) for answer in refused} == {(409, "slot_full")}
    confirmed = [answer for answer in result.answers if answer.status == 201]
    assert len({answer.booking_code for answer in confirmed}) == places
    assert len({answer.manage_token for answer in confirmed}) == places

    with db.read() as session:
        assert capacity_violations(session) == []
        loads = session.execute(select(SlotLoad.booked, SlotLoad.capacity)).all()
    assert active_bookings(db) == places
    assert sorted(loads) == [(capacity, capacity)] * counters  # each counter exactly full, none over
    slot = {s["start"]: s["remaining"] for s in availability["days"][0]["slots"]}
    assert slot.get(start, 0) == 0


def test_flash_crowd_over_a_daily_quota_confirms_exactly_the_quota(database_url, db, tmp_path):
    quota = 3
    make_site(db, capacity=2, counters=2, quota=quota)
    day = wall_clock_tomorrow()
    starts = [at(day, 8), at(day, 8, 30), at(day, 9), at(day, 9, 30), at(day, 10, 30), at(day, 11), at(day, 11, 30)]
    requests = [{"json": booking_body(starts[n % len(starts)], n, service="KK")} for n in range(1, ATTEMPTS + 1)]

    with running_server(database_url, tmp_path / "server") as base_url:
        result = fire(f"{base_url}/api/v1/sites/uji/bookings", requests, processes=PROCESSES)

    statuses = summary("flash-crowd daily quota", database_url, result)
    assert_no_failures(result, tmp_path / "server")
    assert statuses[201] == quota
    refused = [answer for answer in result.answers if answer.status != 201]
    assert {(answer.status, answer.code) for answer in refused} <= {(409, "quota_exhausted"), (409, "slot_full")}

    with db.read() as session:
        assert capacity_violations(session) == []
        day_loads = session.execute(select(ServiceDayLoad.day, ServiceDayLoad.booked, ServiceDayLoad.quota)).all()
        slot_total = session.scalar(select(func.sum(SlotLoad.booked)))
    assert active_bookings(db) == quota
    assert day_loads == [(day, quota, quota)]
    assert slot_total == quota
