"""The Litestar application: routes, dependencies, error handling, rate limit, OpenAPI and metrics.

``create_app`` is the one place the HTTP side is assembled; tests build it with their own settings,
database and clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable

from litestar import Litestar, Request, Router
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import Message, Scope

from booking.api.admin import AdminController
from booking.api.assisted import AssistedBookingController, partner_rate_limit
from booking.api.bookings import BookingController
from booking.api.openapi import API_DESCRIPTION, ClosedBodies, ProblemsInTheDocument, WallClockTimes
from booking.api.ops import health, metrics, ready
from booking.api.queue import QueueController, StaffQueueController, board_reader
from booking.api.reports import ReportController
from booking.api.sites import SiteController
from booking.api.staff import AuthController, StaffController
from booking.api.surveys import SkmReportController, SurveyController
from booking.api.visits import VisitController
from booking.api.waitlist import WaitlistController
from booking.db import Database
from booking.http.auth import TokenIssuer, staff_auth, staff_only
from booking.http.context import Context, utc_now
from booking.http.events import QueueEvents
from booking.http.problems import EXCEPTION_HANDLERS
from booking.settings import Settings
from booking.web import web_pages

MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPE = re.compile(r"application/(?:[a-z0-9!#$&^_.-]+\+)?json")  # application/json, application/*+json
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    wake_up: Callable[[], None] | None = None,
    broker_reachable: Callable[[], bool] | None = None,
) -> Litestar:
    settings = settings or Settings()
    own_db = db is None
    db = db or Database(
        settings.resolved_database_url, pool_size=settings.db_pool_size, lock_timeout_ms=settings.lock_timeout_ms
    )
    if wake_up is not None:  # without it beat's sweep still delivers, a little later
        db.messages_committed = wake_up  # after every commit that planned messages, whoever planned them
    context = Context(db=db, settings=settings, clock=clock, broker_reachable=broker_reachable)
    events = QueueEvents(settings, board_reader(context))  # the display boards' changes, across processes
    context.queue_changed = events.publish

    middleware = []
    if settings.rate_limit_per_minute > 0:
        middleware.append(
            RateLimitConfig(
                rate_limit=("minute", settings.rate_limit_per_minute),
                check_throttle_handler=_is_booking_creation,
            ).middleware
        )
    prometheus = PrometheusConfig(app_name="antrian", prefix="antrian", group_path=True)
    middleware.append(prometheus.middleware)

    auth = staff_auth(context)
    tokens = TokenIssuer(auth, settings.staff_token_minutes)
    # Bearer tokens only in the Authorization header: no cookie is ever read here, so no CSRF either.
    signed_in = Router(
        path="/",
        route_handlers=[StaffController, StaffQueueController, AdminController, SkmReportController, ReportController],
        middleware=[auth.middleware],
        security=[auth.security_requirement],
        guards=[staff_only],  # a partner account books for citizens (below) and nothing else
    )
    # Booking on a citizen's behalf: partners, clerks and admins; a partner's bookings have their own limit,
    # counted per account after sign-in (so inside the auth middleware).
    partner_limit = [partner_rate_limit(settings.partner_rate_limit_per_minute)]
    assisting = Router(
        path="/",
        route_handlers=[AssistedBookingController],
        middleware=[auth.middleware, *(partner_limit if settings.partner_rate_limit_per_minute > 0 else [])],
        security=[auth.security_requirement],
    )
    api = Router(
        path="/api/v1",
        route_handlers=[
            SiteController,
            QueueController,
            SurveyController,
            WaitlistController,
            VisitController,
            BookingController,
            AuthController,
            signed_in,
            assisting,
        ],  # fmt: skip
        before_request=require_json_body,
    )
    pages = web_pages(settings)  # HTML with CSRF and its own headers; the API above has neither
    return Litestar(
        stores=_shared_stores(settings),
        route_handlers=[api, health, ready, metrics, *pages.routers],
        template_config=pages.template_config,
        dependencies={
            "ctx": Provide(lambda: context, use_cache=True, sync_to_thread=False),
            "tokens": Provide(lambda: tokens, use_cache=True, sync_to_thread=False),
            "events": Provide(lambda: events, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[_allow_lists_every_method],
        plugins=[ProblemsInTheDocument(rate_limited=is_rate_limited), WallClockTimes(), ClosedBodies(), events.plugin],
        middleware=middleware,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Antrian",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            description=API_DESCRIPTION,
            components=[auth.openapi_components],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="never",  # our handlers log what is safe to log
        ),
        on_startup=[_redact_access_log, events.on_startup],
        on_shutdown=[events.on_shutdown, *([db.dispose] if own_db else [])],
    )


class _RedactTokens(logging.Filter):
    """Access logs keep the path but never a manage token from a ``?token=`` query, nor a survey's token from
    its path (``/s/{site}/survei/{token}``, ``/api/v1/sites/{site}/surveys/{token}``)."""

    PATTERN = re.compile(r"(token=|/survei/|/surveys/)[^&\s/?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.PATTERN.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, _RedactTokens) for existing in access.filters):
        access.addFilter(_RedactTokens())


def _shared_stores(settings: Settings) -> dict:
    """With several API processes a per-process count would let a client book N times the limit: the
    counts go to Redis when a store URL is set (Litestar's default store is in this process's memory)."""
    if not settings.rate_limit_store_url:
        return {}
    from litestar.stores.redis import RedisStore

    return {"rate_limit": RedisStore.with_client(settings.rate_limit_store_url, namespace="antrian-rate-limit")}


def require_json_body(request: Request) -> None:
    """The API reads JSON only, whatever a body claims to be: anything else is 415 before it is parsed.

    A browser sends a form post or ``text/plain`` to another site without asking first (no CORS preflight),
    so if such bodies were read as JSON any web page could book in its visitors' names. A body without a
    Content-Type is refused too; a POST with no body at all (cancel, check-in) needs none.
    """
    if request.method not in BODY_METHODS:
        return
    media_type, _ = request.content_type
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if (media_type or has_body) and not JSON_MEDIA_TYPE.fullmatch(media_type):
        raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE)


def _is_booking_creation(request: Request) -> bool:
    """Booking creation, queue tickets and staff login (API and page) share the per-client budget: what an
    abuser repeats (a walk-in ticket takes a place)."""
    path = request.url.path.rstrip("/")
    return request.method == "POST" and path.endswith(("/bookings", "/arrivals", "/auth/token", "/staff/login"))


async def _allow_lists_every_method(message: Message, scope: Scope) -> None:
    """Litestar 2 answers OPTIONS on a path that several handlers serve with the methods of the first one
    registered only (litestar-org/litestar#4169, fixed in Litestar 3): ``Allow`` is set from the whole route.

    A coroutine on purpose: Litestar runs a plain function hook in a worker thread for every message sent,
    which on the display board's endless event stream was a thread hop per event for every screen."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS" or message["status"] != 204:
        return
    template = scope.get("path_template")
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            MutableScopeHeaders.from_message(message)["Allow"] = ", ".join(sorted(route.methods))
            return


def is_rate_limited(method: str, path: str) -> bool:
    """Booking creation (one booking or a visit), joining a waiting list and staff login (API and page) share the
    per-client budget: what an abuser (a tout filling a full day's list with borrowed NIKs) repeats."""
    return method == "POST" and path.rstrip("/").endswith(
        ("/bookings", "/visits", "/waitlist", "/daftar-tunggu", "/auth/token", "/staff/login")
    )


def _is_booking_creation(request: Request) -> bool:
    return is_rate_limited(request.method, request.url.path)


def app_from_environment() -> Litestar:
    """The ASGI entry point for servers: ``uvicorn --factory booking.http.app:app_from_environment``.

    The composition root: the only place the HTTP side meets the workers (a wake-up by task name and
    the broker check for /ready).
    """
    from workers.app import broker_reachable, celery_app
    from workers.wakeup import WakeUp

    return create_app(Settings(), wake_up=WakeUp(celery_app), broker_reachable=lambda: broker_reachable(celery_app))
