"""What every server-rendered page shares, citizen pages now and staff pages later.

The language (``?lang=`` remembered in a cookie, Indonesian by default), the templates, CSRF on every
form, the security headers, the static files, and error pages in HTML instead of problem JSON. A page
router made with ``page_router`` gets all of it; the JSON API under /api/v1 gets none of it (its CSRF
middleware lives on the page routers only, so the API cannot be caught by it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, ResponseHeader
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, NotFoundException, TooManyRequestsException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler

from booking.errors import Busy, DomainError, Forbidden, InvalidInput, NotFound
from booking.http.context import Context
from booking.http.problems import log_unexpected, problem_detail
from booking.messages import DEFAULT_LANGUAGE, FIELD_ERRORS, LANGUAGES, PROBLEMS
from booking.settings import Settings
from booking.web.words import Words

log = logging.getLogger("booking.web")
Ctx = NamedDependency[Context]  # what every page handler is given: database, settings, clock

HERE = Path(__file__).parent
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

# No script may run and nothing may load from elsewhere; the QR code is inline SVG, the CSS one file.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",  # a manage link's token must never travel in a Referer
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers too old to read CSP
    "Cache-Control": "no-store",  # pages show personal data and carry CSRF tokens
}


def page_language(request: Request) -> str:
    """``?lang=`` first (the visible switch), then the cookie it left, then Indonesian."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def url_with(path: str, **params: object) -> str:
    """A path with its query; parameters that are None are left out."""
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return f"{path}?{query}" if query else path


def switch_language_url(request: Request, language: str) -> str:
    """The same page in the other language: every query parameter kept (a manage token too)."""
    params = {key: value for key, value in request.query_params.items() if key != "lang"}
    return url_with(request.url.path, **params, lang="en" if language == "id" else "id")


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    switch_url: str | None = None,
    **context: Any,
) -> Template:
    """A page in the request's language. ``switch_url``: where the language switch leads when this page
    answers a POST (a GET of the same address would not show it)."""
    language = page_language(request)
    return Template(
        template_name=template,
        context={
            "lang": language,
            "t": Words(language),
            "switch_url": switch_url or switch_language_url(request, language),
            **context,
        },
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=SECURITY_HEADERS,
        cookies=_language_cookie(request),
    )


def redirect(request: Request, path: str) -> Redirect:
    """POST-redirect-GET: 303, so a reload never sends the form again."""
    return Redirect(path=path, status_code=303, headers=SECURITY_HEADERS, cookies=_language_cookie(request))


def _language_cookie(request: Request) -> list[Cookie]:
    chosen = request.query_params.get("lang")
    if chosen not in LANGUAGES or request.cookies.get(LANGUAGE_COOKIE) == chosen:
        return []
    return [
        Cookie(
            key=LANGUAGE_COOKIE, value=chosen, max_age=LANGUAGE_COOKIE_SECONDS, path="/", samesite="lax", httponly=True
        )
    ]


def refusal_text(refused: DomainError | None, language: str) -> str | None:
    """What a page says when the domain refused: the API's own sentence, or each field's."""
    if refused is None:
        return None
    if isinstance(refused, InvalidInput):
        return " ".join(
            FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(language, **error.params)
            for error in refused.errors
        )
    return problem_detail(refused, language)


def field_errors(invalid: InvalidInput, language: str) -> dict[str, str]:
    """Each field's error as the API words it, for a form that shows errors by the field (the first one
    of a field wins)."""
    errors: dict[str, str] = {}
    for error in invalid.errors:
        text = FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(language, **error.params)
        errors.setdefault(error.field, text)
    return errors


def error_page(request: Request, status_code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    page = render(request, "error.html", status_code=status_code, message=message)
    page.headers.update(headers or {})
    return page


def domain_error_page(request: Request, error: DomainError) -> Response:
    words = Words(page_language(request))
    if isinstance(error, NotFound):
        message = words("booking_not_found") if error.params.get("what") == "booking" else words("page_not_found")
        if error.params.get("erased"):
            message = words("booking_erased")
        return error_page(request, 404, message)
    if isinstance(error, Forbidden):  # a clerk on an admin page
        return error_page(request, 403, problem_detail(error, words.language))
    if isinstance(error, Busy):
        return error_page(request, 503, problem_detail(error, words.language), {"Retry-After": "1"})
    return error_page(request, 409, problem_detail(error, words.language))


def http_error_page(request: Request, error: HTTPException) -> Response:
    words = Words(page_language(request))
    status = error.status_code
    if status == 403:  # the CSRF middleware's only refusal: a form from an old page or without cookies
        return error_page(request, 403, words("csrf_failed"))
    if status == 404:
        return error_page(request, 404, words("page_not_found"))
    if status == 429:
        retry = (error.headers or {}).get("RateLimit-Reset")
        return error_page(
            request, 429, PROBLEMS["rate_limited"](words.language), {"Retry-After": retry} if retry else None
        )
    if status in (405, 413):
        code = "method_not_allowed" if status == 405 else "payload_too_large"
        return error_page(request, status, PROBLEMS[code](words.language))
    if 400 <= status < 500:
        return error_page(request, status, PROBLEMS["validation_error"](words.language))
    log.error("HTTP error %s on %s %s", status, request.method, request.url.path)
    return error_page(request, 500, PROBLEMS["internal_error"](words.language))


def unexpected_error_page(request: Request, error: Exception) -> Response:
    log_unexpected(request, error)
    return error_page(request, 500, PROBLEMS["internal_error"](page_language(request)))


# Litestar picks a handler by the exception's class before its bases, from every layer at once: each HTTP
# error class the API's handlers name (booking.http.problems) is named here again, or a page answers JSON.
PAGE_EXCEPTION_HANDLERS = {
    DomainError: domain_error_page,
    **{kind: http_error_page for kind in (ValidationException, NotFoundException, TooManyRequestsException)},
    HTTPException: http_error_page,
    Exception: unexpected_error_page,
}


def csrf_config(settings: Settings) -> CSRFConfig:
    # A key of its own, derived from the server secret: a CSRF token says nothing about the NIK hash key.
    secret = hmac.new(settings.resolved_secret_key.encode(), b"csrf", hashlib.sha256).hexdigest()
    return CSRFConfig(
        secret=secret,
        cookie_name="antrian_csrf",
        cookie_httponly=True,  # no script reads it: forms carry the token in a hidden field
        cookie_samesite="lax",
        cookie_secure=settings.resolved_public_url.startswith("https://"),
    )


def page_router(settings: Settings, *, path: str, route_handlers: list[ControllerRouterHandler]) -> Router:
    """Pages with CSRF-checked forms, security headers and HTML error pages."""
    return Router(
        path=path,
        route_handlers=route_handlers,
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf_config(settings))],
        response_headers=[ResponseHeader(name=name, value=value) for name, value in SECURITY_HEADERS.items()],
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )


def static_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="web-static",
        after_request=_static_headers,
        include_in_schema=False,
    )


def _static_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def template_config() -> TemplateConfig:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))
