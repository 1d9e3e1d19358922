"""Health, readiness and metrics for the operator (outside ``/api/v1``)."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import text

from booking import outbox, queue_metrics
from booking.http.context import Context


class HealthOut(msgspec.Struct):
    status: Literal["ok"]


class ReadyOut(msgspec.Struct, omit_defaults=True):
    status: Literal["ok", "unavailable"]
    database: str  # "ok", or "unavailable: " and the error's type
    broker: str | None = None  # "ok" or "unavailable"; absent where there is no broker to check
    # channels no site offers, and why (production without a gateway URL); absent when all can be sent
    channels: dict[str, str] | None = None


@get("/health", sync_to_thread=False, tags=["operations"], summary="The process is alive and answering")
def health() -> HealthOut:
    return HealthOut(status="ok")


@get(
    "/ready",
    sync_to_thread=True,
    tags=["operations"],
    summary="Ready to serve: the database (and, where there is one, the broker) answers",
    responses={503: ResponseSpec(ReadyOut, description="Not ready: what does not answer", generate_examples=False)},
)
def ready(ctx: NamedDependency[Context]) -> Response[ReadyOut]:
    checks = {"database": "ok"}
    try:
        with ctx.db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; the type says enough without leaking the URL
        checks["database"] = f"unavailable: {type(error).__name__}"
    if ctx.broker_reachable is not None:
        checks["broker"] = "ok" if ctx.broker_reachable() else "unavailable"
    status = "ok" if all(value == "ok" for value in checks.values()) else "unavailable"
    # a channel without its gateway is left out of what sites offer: the rest still serves, so still ready
    channels = ctx.settings.channels_not_ready() or None
    return Response(ReadyOut(status=status, channels=channels, **checks), status_code=200 if status == "ok" else 503)


@get(
    "/metrics",
    sync_to_thread=True,
    tags=["operations"],
    summary="Prometheus metrics",
    description="This process's request and booking counters, and the outbox and the queue as the database "
    "sees them (so every worker's sends and every counter's calls count, whichever process serves the scrape): "
    "`antrian_queue_waiting` and `antrian_queue_oldest_waiting_seconds` per site and agency, "
    "`antrian_queue_calls_total` per counter (today's calls and recalls, from zero each local day); and "
    "whether the broker answers (`antrian_broker_up`).",
    media_type="text/plain; version=0.0.4",
)
def metrics(ctx: NamedDependency[Context]) -> bytes:
    outbox_registry = CollectorRegistry()
    outbox_registry.register(OutboxCollector(ctx.db, ctx.clock))
    outbox_registry.register(QueueCollector(ctx.db, ctx.clock))
    if ctx.broker_reachable is not None:
        outbox_registry.register(BrokerCollector(ctx.broker_reachable))
    return generate_latest(REGISTRY) + generate_latest(outbox_registry)


class BrokerCollector:
    """``antrian_broker_up``: 1 when this API process can reach the Celery broker now, 0 when it cannot (the
    outbox keeps the messages; they wait until it is back). Absent where there is no broker to check."""

    def __init__(self, reachable) -> None:
        self.reachable = reachable

    def collect(self):
        yield GaugeMetricFamily(
            "antrian_broker_up", "Whether the Celery broker answers this API process", value=float(self.reachable())
        )


class OutboxCollector:
    def __init__(self, db, clock) -> None:
        self.db, self.clock = db, clock

    def collect(self):
        with self.db.read() as session:
            stats = outbox.outbox_stats(session, self.clock())
        by_status = GaugeMetricFamily(
            "antrian_notifications", "Notifications by channel and status", labels=["channel", "status"]
        )
        retries = GaugeMetricFamily(
            "antrian_notification_retries", "Extra send attempts, by channel", labels=["channel"]
        )
        for (channel, status), count in sorted(stats.by_channel_status.items()):
            by_status.add_metric([channel, status], count)
        for channel, count in sorted(stats.retries_by_channel.items()):
            retries.add_metric([channel], count)
        yield by_status
        yield retries
        yield GaugeMetricFamily(
            "antrian_notification_oldest_due_seconds",
            "Age of the oldest notification due and not yet sent",
            value=stats.oldest_due_seconds,
        )


class QueueCollector:
    """The queue on the floor: alert on a queue that stopped moving (people wait, the oldest wait grows, and
    no counter's calls rise)."""

    def __init__(self, db, clock) -> None:
        self.db, self.clock = db, clock

    def collect(self):
        now = self.clock()
        with self.db.read() as session:
            queues = queue_metrics.agency_queues(session, now)
            calls = queue_metrics.counter_calls(session, now)
        waiting = GaugeMetricFamily(
            "antrian_queue_waiting", "Tickets of today waiting, per agency", labels=["site", "agency"]
        )
        oldest = GaugeMetricFamily(
            "antrian_queue_oldest_waiting_seconds",
            "How long the longest-waiting ticket of today has waited, per agency (0: nobody waits)",
            labels=["site", "agency"],
        )
        for row in queues:
            waiting.add_metric([row.site, row.agency], row.waiting)
            oldest.add_metric([row.site, row.agency], row.oldest_waiting_seconds)
        called = CounterMetricFamily(
            "antrian_queue_calls",
            "Calls and recalls made today at each counter (from zero each local day)",
            labels=["site", "agency", "counter"],
        )
        for row in calls:
            called.add_metric([row.site, row.agency, row.counter], row.calls)
        yield waiting
        yield oldest
        yield called
