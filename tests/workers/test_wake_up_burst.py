"""The API's wake-up under a burst of bookings: one publish per interval at most, and none lost at the end.

The embedded folder broker is the real broker here: each publish is a message file a worker would take.
"""

from __future__ import annotations

import time

from booking.settings import Settings
from tests.gateways import wait_until
from workers.app import make_celery
from workers.wakeup import WakeUp

INTERVAL = 0.2
LONG_REST = 3.0  # long enough that a call made as soon as a publish is seen falls inside the rest after it


def _published(folder) -> int:
    return len(list(folder.glob("*.msg")))


def test_a_burst_of_commits_publishes_at_most_once_per_interval(tmp_path):
    folder = tmp_path / "broker"
    wake_up = WakeUp(make_celery(Settings(data_dir=tmp_path, secret_key="test-secret")), interval=INTERVAL)

    began = time.monotonic()
    while time.monotonic() - began < 1:  # a second of commits; the pace only spreads them over the second
        wake_up()
        time.sleep(0.001)
    burst = time.monotonic() - began
    assert wait_until(lambda: _published(folder) >= 1, timeout=30, interval=0.01)
    # publishes are at least INTERVAL apart: at most burst / INTERVAL + 1 during the burst, and one after it
    # for the commits of its last rest (731 without the rest)
    assert _published(folder) <= burst / INTERVAL + 2


def test_a_commit_made_while_the_wake_up_rests_is_woken_for_after_the_rest(tmp_path):
    folder = tmp_path / "broker"
    wake_up = WakeUp(make_celery(Settings(data_dir=tmp_path, secret_key="test-secret")), interval=LONG_REST)

    wake_up()
    assert wait_until(lambda: _published(folder) == 1, timeout=30, interval=0.01)
    wake_up()  # the thread is resting after that publish
    assert wait_until(lambda: _published(folder) == 2, timeout=30 + LONG_REST, interval=0.01)
