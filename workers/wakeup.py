"""The API's best-effort wake-up after a booking commits, so a confirmation goes out within seconds.

It never waits on the broker: requests only set a flag, and one background thread publishes at most
one sweep at a time. A broker that is down costs a log line; beat's periodic sweep delivers the rows.
"""

from __future__ import annotations

import logging
import threading

from celery import Celery

from workers.app import SWEEP_TASK

log = logging.getLogger("workers.wakeup")


class WakeUp:
    def __init__(self, app: Celery) -> None:
        self._app = app
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
