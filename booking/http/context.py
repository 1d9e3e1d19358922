"""What every request handler is given: the database, the settings, the clock and the metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

from booking.db import Database
from booking.queue import QueueEvent
from booking.settings import Settings

BOOKINGS_MADE = Counter("antrian_bookings_made_total", "Bookings confirmed through the API")
BOOKINGS_REFUSED = Counter("antrian_bookings_refused_total", "Booking attempts refused, by problem code", ["reason"])


class Metrics:
    def booking_made(self) -> None:
        BOOKINGS_MADE.inc()

    def booking_refused(self, reason: str) -> None:
        BOOKINGS_REFUSED.labels(reason=reason).inc()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def nobody_listening(site_slug: str, event: QueueEvent | None = None) -> None:
    """No display board to tell: the default until the app wires its channels (``booking.http.events``)."""


@dataclass
class Context:
    db: Database
    settings: Settings
    clock: Callable[[], dt.datetime] = utc_now
    metrics: Metrics = Metrics()
    broker_reachable: Callable[[], bool] | None = None  # for /ready; None: no broker to check
    # after a commit that changed a site's queue: (site slug, what changed; None if unknown)
    queue_changed: Callable[[str, QueueEvent | None], None] = nobody_listening
