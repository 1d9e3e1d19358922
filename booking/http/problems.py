"""Every error as an RFC 9457 problem (``application/problem+json``) with a stable ``code``.

Domain errors, Litestar's own HTTP errors (unknown route, bad JSON, body too large, rate limit) and
anything unexpected all come out in one shape, with ``detail`` and per-field ``errors`` in the caller's
language (``Accept-Language``: Indonesian by default, English).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Literal

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    SerializationException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from msgspec import UNSET, UnsetType

from booking.errors import BookingsAffected, DomainError, FieldError, InvalidInput, WalkInsFull
from booking.messages import ACTIONS, FIELD_ERRORS, PROBLEMS, long_date, negotiate_language, status_name

log = logging.getLogger("booking.api")

# Every other code is a conflict with the state of things: 409.
STATUS_OF_CODE = {
    "validation_error": HTTP_422_UNPROCESSABLE_ENTITY,
    "not_found": HTTP_404_NOT_FOUND,
    "unauthorized": HTTP_401_UNAUTHORIZED,
    "forbidden": HTTP_403_FORBIDDEN,
    "rate_limited": HTTP_429_TOO_MANY_REQUESTS,
    "busy": HTTP_503_SERVICE_UNAVAILABLE,
    "survey_expired": HTTP_410_GONE,
    "offer_expired": HTTP_410_GONE,
    "method_not_allowed": HTTP_405_METHOD_NOT_ALLOWED,
    "payload_too_large": HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "unsupported_media_type": HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "internal_error": HTTP_500_INTERNAL_SERVER_ERROR,
}
BUSY_RETRY_AFTER_SECONDS = 1
# Litestar's own HTTP errors that keep their status; any other 4xx is answered as a validation error.
CODE_OF_HTTP_STATUS = {
    status: code
    for code, status in STATUS_OF_CODE.items()
    if code not in ("validation_error", "internal_error", "survey_expired", "offer_expired")
}


def status_of(code: str) -> int:
    return STATUS_OF_CODE.get(code, HTTP_409_CONFLICT)


# A title is a stable English summary; where the English detail has placeholders, a fixed one instead.
TITLES = {code: text.en for code, text in PROBLEMS.items() if "{" not in text.en} | {
    "closed": "The service is closed that day.",
    "invalid_transition": "This step is not possible for the booking as it stands.",
    "wrong_day": "The booking is for another day.",
    "counter_busy": "The counter is still calling or serving a ticket.",
    "too_early": "Too early to take a queue ticket for this booking.",
    "bookings_affected": "The change would leave booked citizens without a place.",
    "survey_expired": "The survey link has expired.",
    "day_has_room": "The day has room: book instead of joining the waiting list.",
    "visit_does_not_fit": "The visit does not fit whole; nothing was booked.",
}


ProblemCode = Literal[tuple(PROBLEMS)]  # type: ignore[valid-type]  # every code problem() can write


class FieldProblem(msgspec.Struct):
    field: str
    code: str
    message: str


class AffectedBooking(msgspec.Struct):
    """A booking a refused rule change would leave without a place (``capacity_changes.described``)."""

    code: str
    start: dt.datetime
    service: str
    counter: str
    status: str
    citizen: str


class ProblemDetails(msgspec.Struct):
    """The body of every problem this API answers, as ``problem`` writes it: the OpenAPI document's schema
    for ``application/problem+json`` (never built here; the API's conformance test holds the two together)."""

    status: int
    title: str
    detail: str
    instance: str
    code: ProblemCode
    type: str | UnsetType = UNSET  # absent: about:blank (RFC 9457)
    errors: list[FieldProblem] | UnsetType = UNSET  # validation_error: what is wrong with which field
    bookings: list[AffectedBooking] | UnsetType = UNSET  # bookings_affected: the bookings in the way


def problem(
    request: Request,
    http_status: int,
    code: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    more: dict[str, Any] | None = None,
    wording: str | None = None,
    **params: object,
) -> Response:
    """The problem for ``code``; its ``detail`` is the sentence ``wording`` names (the code's own by default)."""
    language = negotiate_language(request.headers.get("accept-language"))
    extra: dict[str, Any] = {"code": code, **(more or {})}
    if errors is not None:
        extra["errors"] = [
            {
                "field": error.field,
                "code": error.code,
                "message": FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(language, **error.params),
            }
            for error in errors
        ]
    exception = ProblemDetailsException(
        status_code=http_status,
        title=TITLES.get(code, code),
        detail=PROBLEMS[wording or code](language, **params),
        instance=request.url.path,
        headers={**(headers or {}), "Content-Language": language},
        extra=extra,
    )
    return exception.to_response(request)


def domain_error_handler(request: Request, error: DomainError) -> Response:
    language = negotiate_language(request.headers.get("accept-language"))
    errors = error.errors if isinstance(error, InvalidInput) else None
    headers, more = {}, {}
    if error.code == "rate_limited":
        headers["Retry-After"] = str(error.params.get("retry_after", 60))
    if error.code == "unauthorized":
        headers["WWW-Authenticate"] = "Bearer"
    if error.code == "busy":
        headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    if isinstance(error, BookingsAffected):
        more["bookings"] = error.bookings
    if isinstance(error, WalkInsFull):
        more["next_online"] = error.next_online
    return problem(
        request,
        status_of(error.code),
        error.code,
        errors=errors,
        headers=headers,
        more=more,
        wording=error.wording,
        **_detail_params(error, language),
    )


def problem_detail(error: DomainError, language: str) -> str:
    """The ``detail`` a domain error gets, for the pages to say exactly what the API says."""
    return PROBLEMS[error.wording or error.code](language, **_detail_params(error, language))


def _detail_params(error: DomainError, language: str) -> dict[str, object]:
    """The error's facts as a person reads them: words for codes, dates written out, minutes for seconds."""
    params = dict(error.params)
    if "action" in params:
        params["action"] = ACTIONS[params["action"]](language)
    if "status" in params:
        params["status"] = status_name(str(params["status"]), language)
    if "date" in params:
        params["date"] = long_date(params["date"], language)
    if error.code == "closed":
        english = params.pop("reason_en", None) if language == "en" else None
        params = {"reason": english or params["reason"]}
    retry_after = params.pop("retry_after", None)
    if error.wording == "account_locked":
        params["minutes"] = max(1, -(-int(retry_after or 60) // 60))
    return params


# msgspec's messages, as Litestar passes them on, mapped to our field error codes.
_MSGSPEC_PATTERNS = [
    (re.compile(r"missing required field `(\w+)`"), "required"),
    (re.compile(r"unknown field `(\w+)`"), "unknown_field"),
    (re.compile(r"length <= "), "too_long"),
    (re.compile(r"^Expected `(?:int|float)` [<>]=? ?-?\d"), "number_out_of_range"),
    (re.compile(r"^Expected `"), "type_invalid"),
    (re.compile(r"^'data'$"), "required"),  # no body at all
]


def validation_handler(request: Request, error: ValidationException) -> Response:
    errors = [_field_error(item) for item in (error.extra or []) if isinstance(item, dict)]
    return problem(
        request,
        HTTP_422_UNPROCESSABLE_ENTITY,
        "validation_error",
        errors=errors or [FieldError("body", "value_invalid")],
    )


# Parameters whose Python names differ from what the caller sent.
FIELD_ALIASES = {"from_": "from", "idempotency_key": "Idempotency-Key", "header_token": "X-Booking-Token"}


def _field_error(item: dict) -> FieldError:
    message, key = str(item.get("message", "")), str(item.get("key") or "")
    key = key.removeprefix("data").strip(".")
    key = FIELD_ALIASES.get(key, key)
    for pattern, code in _MSGSPEC_PATTERNS:
        if match := pattern.search(message):
            if match.groups():
                key = ".".join(part for part in (key, match.group(1)) if part)
            return FieldError(key or "body", code)
    return FieldError(key or "body", "value_invalid")


def http_error_handler(request: Request, error: HTTPException) -> Response:
    status = error.status_code
    if isinstance(error, SerializationException) or status == 400:  # every body we take is JSON
        return problem(
            request, HTTP_422_UNPROCESSABLE_ENTITY, "validation_error", errors=[FieldError("body", "json_invalid")]
        )
    if status == 500 and isinstance(error.__cause__, msgspec.ValidationError):
        # Litestar reports some body errors it cannot place (an object where a list is declared) as its own
        # 500; msgspec's message still names the field, so the caller gets the 422 any other wrong type gets.
        message, _, path = str(error.__cause__).partition(" - at `")
        field = _field_error({"message": message, "key": path.rstrip("`").removeprefix("$.")})
        return problem(request, HTTP_422_UNPROCESSABLE_ENTITY, "validation_error", errors=[field])
    code = CODE_OF_HTTP_STATUS.get(status)
    if code is None and 400 <= status < 500:
        return problem(
            request, HTTP_422_UNPROCESSABLE_ENTITY, "validation_error", errors=[FieldError("body", "value_invalid")]
        )
    if code is None:
        log.error("HTTP error %s on %s %s", status, request.method, request.url.path)
        return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")
    headers = dict(error.headers or {})
    if code == "rate_limited" and "RateLimit-Reset" in headers:
        headers["Retry-After"] = headers["RateLimit-Reset"]
    if code == "unauthorized":
        headers["WWW-Authenticate"] = "Bearer"
    return problem(request, status, code, headers=headers)


def too_deep_handler(request: Request, error: RecursionError) -> Response:
    """JSON nested a thousand levels deep exhausts the decoder's recursion; it is bad input, not our fault."""
    return problem(
        request, HTTP_422_UNPROCESSABLE_ENTITY, "validation_error", errors=[FieldError("body", "json_invalid")]
    )


def unexpected_error_handler(request: Request, error: Exception) -> Response:
    log_unexpected(request, error)
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")


def log_unexpected(request: Request, error: Exception) -> None:
    # The message may hold request data; the type and the traceback's code lines do not.
    log.error(
        "unexpected %s on %s %s",
        type(error).__name__,
        request.method,
        request.url.path,
        exc_info=(type(error), error, error.__traceback__),
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    NotFoundException: http_error_handler,
    TooManyRequestsException: http_error_handler,
    HTTPException: http_error_handler,
    RecursionError: too_deep_handler,
    Exception: unexpected_error_handler,
}
