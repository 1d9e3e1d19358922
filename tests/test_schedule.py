"""Opening rules become slots: the grid, the break, seasonal validity."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from booking.models import Counter, OpeningRule
from booking.schedule import counter_slots, day_grid

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 12, 1)


def _counter(*rules: OpeningRule) -> Counter:
    return Counter(id=1, label="Loket 1", rules=list(rules))


def _rule(**fields) -> OpeningRule:
    values = dict(weekday=1, opens_at=dt.time(8), closes_at=dt.time(11), slot_minutes=20, capacity=2)
    values.update(fields)
    return OpeningRule(**values)


def _local_starts(counter: Counter, day=TUESDAY) -> list[str]:
    return [slot.starts_at.astimezone(WIB).strftime("%H:%M") for slot in counter_slots(counter, day, WIB)]


def test_slots_run_on_a_grid_and_never_past_closing():
    assert _local_starts(_counter(_rule(closes_at=dt.time(9, 10)))) == ["08:00", "08:20", "08:40"]


def test_a_break_is_never_cut_and_the_grid_restarts_after_it():
    rule = _rule(closes_at=dt.time(13), break_starts_at=dt.time(12), break_ends_at=dt.time(12, 30))
    # 20-minute slots from 08:00 up to the break; from 12:30 again, and 12:50 would end at 13:10, past closing.
    morning = [f"{hour:02d}:{minute:02d}" for hour in range(8, 12) for minute in (0, 20, 40)]
    assert _local_starts(_counter(rule)) == [*morning, "12:30"]


def test_slots_are_stored_in_utc():
    slot = next(counter_slots(_counter(_rule()), TUESDAY, WIB))
    assert slot.starts_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    assert slot.ends_at - slot.starts_at == dt.timedelta(minutes=20)


def test_rules_apply_only_on_their_weekday_and_validity():
    ramadan = _rule(valid_from=dt.date(2027, 2, 8), valid_until=dt.date(2027, 3, 9))
    assert _local_starts(_counter(_rule(weekday=2))) == []
    assert _local_starts(_counter(ramadan)) == []
    assert _local_starts(_counter(ramadan), dt.date(2027, 2, 9))[0] == "08:00"


def test_a_rule_with_no_places_offers_no_slot():
    assert _local_starts(_counter(_rule(capacity=0))) == []


def test_counters_sharing_hours_share_one_computed_grid_and_keep_their_own_ids_and_places():
    first = _counter(_rule(capacity=2))
    second = Counter(id=2, label="Loket 2", rules=[_rule(capacity=5)])
    day_grid.cache_clear()  # counted from here: earlier tests' grids must not make up the hit
    one, two = list(counter_slots(first, TUESDAY, WIB)), list(counter_slots(second, TUESDAY, WIB))
    assert [slot.starts_at for slot in one] == [slot.starts_at for slot in two]
    assert {(slot.counter_id, slot.capacity) for slot in one} == {(1, 2)}
    assert {(slot.counter_id, slot.capacity) for slot in two} == {(2, 5)}
    assert (day_grid.cache_info().misses, day_grid.cache_info().hits) == (1, 1)


def test_changed_hours_give_a_new_grid_not_the_remembered_one():
    assert _local_starts(_counter(_rule(closes_at=dt.time(9)))) == ["08:00", "08:20", "08:40"]
    assert _local_starts(_counter(_rule(closes_at=dt.time(9), slot_minutes=30))) == ["08:00", "08:30"]
    earlier = _rule(opens_at=dt.time(7, 30), closes_at=dt.time(8, 30))
    assert _local_starts(_counter(earlier)) == ["07:30", "07:50", "08:10"]
