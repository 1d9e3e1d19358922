"""The API's wake-up under a burst of bookings: one publish per interval at most, and none lost at the end.

The embedded folder broker is the real broker here: each publish is a message file a worker would take.
"""

from __future__ import annotations

import time

from booking.settings import Settings
from workers.app import make_celery
from workers.wakeup import WakeUp

INTERVAL = 0.2


def _published(folder) -> int:
    return len(list(folder.glob("*.msg")))


def _wait_for(fact, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fact():
            return True
        time.sleep(0.01)
    return False


def test_a_burst_of_commits_publishes_once_per_interval_and_the_last_commit_is_covered(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="test-secret")
    folder = tmp_path / "broker"
    wake_up = WakeUp(make_celery(settings), interval=INTERVAL)

    began = time.monotonic()
    while time.monotonic() - began < 1:  # a second of commits, one a millisecond
        wake_up()
        time.sleep(0.001)
    burst = time.monotonic() - began
    assert _wait_for(lambda: _published(folder) >= 1)
    # the thread rests INTERVAL after each publish: over the burst it cannot have published more than this
    assert _published(folder) <= burst / INTERVAL + 2

    # a commit after the burst is never left without a wake-up, even while the thread rests
    before = _published(folder)
    wake_up()
    assert _wait_for(lambda: _published(folder) > before)
