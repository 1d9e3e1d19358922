"""Booking on a citizen's behalf under ``/api/v1/sites/{site}/assisted-bookings``: a partner account (a kantor
desa), a clerk or an admin, with a bearer token. Thin: ``booking.assisted`` decides who may, and the
citizen's own booking path books.

A partner's bookings count against a limit of their own (``BOOKING_PARTNER_RATE_LIMIT_PER_MINUTE``, per
account, in the same store as the per-client limit); clerks and admins at the desk are not limited.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from booking import assisted, idempotency
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import AssistedBookingIn, BookingOut
from booking.api.sites import booking_request, created
from booking.http.context import Context
from booking.privacy_notice import documented_notice
from booking.staff import Principal

Ctx = NamedDependency[Context]
PATH = "/{site:str}/assisted-bookings"
DESCRIPTION = """Book a future slot for a citizen on their behalf, with a bearer token: a partner account (role
`partner`, a village office) for any service of its site, a clerk for their own agency's services, an admin for
any of the site's. The body is the citizen booking's, except that `citizen.phone` is needed only when `sms` or
`whatsapp` is chosen (or give `"no_messages": true`). Every rule of a citizen's own booking holds (one booking per
NIK per service per day, capacity, quota, lead time and window, closures). The answer is the booking with its
`manage_url` to hand to the citizen and `booked_by`; the citizen gets the usual confirmation on the channels
chosen. A partner's bookings are limited per account per minute (429 `rate_limited` with `Retry-After`).

"""


def partner_rate_limit(per_minute: int) -> Any:
    """The partners' own limit: counted per account (the token's, read after sign-in), never per address."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        identifier_for_request=lambda request: f"partner-account:{request.user.user_id}",
        # an OPTIONS request carries no account (the auth middleware lets it through): not counted
        check_throttle_handler=lambda request: getattr(request.scope.get("user"), "is_partner", False),
    ).middleware


class AssistedBookingController(Controller):
    path = "/sites"
    tags = ["assisted booking"]

    @post(
        PATH,
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Book on a citizen's behalf (partner, clerk or admin); honours Idempotency-Key",
        problems=BOOKING_REFUSALS + ["not_found", "idempotency_conflict", "rate_limited"],
        description=DESCRIPTION + documented_notice(),
    )
    def create(
        self,
        ctx: Ctx,
        request: Request[Principal, object, object],
        site: FromPath[str],
        data: JSONBody[AssistedBookingIn],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=255)] = None,
    ) -> Response[BookingOut]:
        principal = request.user
        wanted = booking_request(data)
        # keys are per account: another account's key never replays this one's booking
        request_hash = idempotency.fingerprint(f"assisted:{principal.user_id}:{site}", msgspec.to_builtins(data))

        def work(session, **terms) -> idempotency.Booked:
            return assisted.book_for_citizen(
                session, principal, site, wanted, key=idempotency_key, request_hash=request_hash, **terms
            )

        return created(ctx, work)
