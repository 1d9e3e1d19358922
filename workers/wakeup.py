"""The API's best-effort wake-up after a booking commits, so a confirmation goes out within seconds.

It never waits on the broker: requests only set a flag, and one background thread publishes at most
one sweep at a time, and at most one per ``interval``: a sweep takes every row due, so under a burst of
bookings one wake-up every 50 ms serves them all, where one per commit cost the API a publish per booking.
A booking committed while the thread rests is woken for when the rest ends. A broker that is down costs a
log line; beat's periodic sweep delivers the rows.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import Celery

from workers.app import SWEEP_TASK

log = logging.getLogger("workers.wakeup")
INTERVAL_SECONDS = 0.05  # the longest a confirmation waits for its wake-up, beside the worker's own time


class WakeUp:
    def __init__(self, app: Celery, *, interval: float = INTERVAL_SECONDS) -> None:
        self._app = app
        self._interval = interval
        self._wanted = threading.Event()
        threading.Thread(target=self._publish_forever, name="antrian-wakeup", daemon=True).start()

    def __call__(self) -> None:
        self._wanted.set()

    def _publish_forever(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                self._app.send_task(SWEEP_TASK, retry=False)
            except Exception as error:  # noqa: BLE001 - the sweep in beat covers for any broker trouble
                log.warning("wake-up not sent (%s); beat's sweep will deliver", type(error).__name__)
            time.sleep(self._interval)  # commits meanwhile set the flag: one publish after the rest covers them
