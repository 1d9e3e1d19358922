"""What the OpenAPI document at ``/schema`` says beyond what Litestar infers from the handlers' types.

- Every operation lists the problems it can answer (RFC 9457, ``application/problem+json``, the shared
  ``ProblemDetails`` schema), each status with the problem ``code``s it carries. A handler declares the
  codes its domain calls refuse with (``problems=`` in its decorator); the rest follow from its shape and
  are added here, so that no route can forget them: a body (422, 413, 415), query or header parameters
  (422), a bearer token (401, 403), the rate limit (429), and 500 everywhere.
- Wall-clock times (opening hours, reminder times) are ``"HH:MM:SS"`` strings.
- Request bodies refuse unknown fields, and say so; a creation body names the fields it needs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins import OpenAPISchemaPlugin, ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.typing import FieldDefinition

from booking.http.problems import TITLES, ProblemDetails, status_of
from booking.messages import PROBLEMS

PROBLEM_MEDIA_TYPE = "application/problem+json"
EVERY_OPERATION = ("internal_error",)
WITH_A_BODY = ("validation_error", "payload_too_large", "unsupported_media_type")
WITH_PARAMETERS = ("validation_error",)
SIGNED_IN = ("unauthorized", "forbidden")
BOOKING_REFUSALS = ["closed", "slot_full", "quota_exhausted", "duplicate_booking"]  # taking a place
# Handler arguments Litestar fills from the request as a whole, not from a parameter the caller names.
_FROM_THE_REQUEST = {"request", "data", "state", "scope", "headers", "cookies", "query", "body"}
API_DESCRIPTION = """Appointment booking for Indonesia's public service malls (Mal Pelayanan Publik).

Every error is an RFC 9457 problem (`application/problem+json`) with a stable machine `code`, a `detail` in
the caller's language (`Accept-Language`: `id` by default, `en`) and, for `validation_error`, per-field
`errors`. Each operation lists the statuses it can answer and, in their descriptions, the codes each carries.
A path answers a method it does not list with 405 `method_not_allowed` and an `Allow` header.

Wall-clock times (opening hours, reminder times) are `HH:MM:SS` in the site's time zone; dates are
`YYYY-MM-DD`; instants carry their offset (`2026-12-01T08:00:00+07:00`)."""


def problems_of(handler: HTTPRouteHandler, path_parameters: dict[str, Any], rate_limited: bool) -> set[str]:
    """The problem codes an operation can answer: those its handler declares and those its shape implies."""
    codes = set(handler.opt.get("problems", ())) | set(EVERY_OPERATION)
    if unknown := codes - set(PROBLEMS):
        raise ValueError(f"{handler.handler_name} declares problem codes that do not exist: {sorted(unknown)}")
    arguments = set(handler.parsed_fn_signature.parameters)
    if "data" in arguments:
        codes.update(WITH_A_BODY)
    free_text_in_path = {name for name, parameter in path_parameters.items() if parameter.type is str}
    if arguments - _FROM_THE_REQUEST - set(handler.resolve_dependencies()) - free_text_in_path:
        codes.update(WITH_PARAMETERS)
    if handler.resolve_security():
        codes.update(SIGNED_IN)
    if rate_limited:
        codes.add("rate_limited")
    if handler.http_methods - {"GET", "HEAD", "OPTIONS"}:
        codes.add("busy")  # a change losing its race after the retries, or a row lock not had in time (db.py)
    return codes


def problem_responses(codes: Iterable[str]) -> dict[int, ResponseSpec]:
    """One response per status, in the shared problem shape, its description naming each code."""
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in sorted(codes):
        by_status[status_of(code)].append(code)
    return {
        status: ResponseSpec(
            ProblemDetails,
            description=_described(status, by_status[status]),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted(by_status)
    }


def _described(status: int, codes: list[str]) -> str:
    lines = [f"{HTTPStatus(status).phrase}: a problem with `code`"]
    lines += [f"- `{code}`: {TITLES.get(code, code)}" for code in codes]
    return "\n".join(lines)


class ProblemsInTheDocument(ReceiveRoutePlugin):
    """Gives each operation of the document its problem responses as its route is registered."""

    def __init__(self, rate_limited: Callable[[str, str], bool]) -> None:
        self.rate_limited = rate_limited

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            limited = any(self.rate_limited(method, route.path_format) for method in handler.http_methods)
            codes = problems_of(handler, route.path_parameters, limited)
            handler.responses = {**problem_responses(codes), **(handler.responses or {})}
            if handler.operation_class is Operation:
                handler.operation_class = WithoutLitestarErrors


@dataclass
class WithoutLitestarErrors(Operation):
    """Litestar documents a 400 in its own error shape on every operation with parameters; this API answers
    each such error as a 422 ``validation_error`` problem (``problems.http_error_handler``), never a 400."""

    def __post_init__(self) -> None:
        if self.responses:
            self.responses.pop(str(HTTPStatus.BAD_REQUEST.value), None)


@dataclass
class AlsoAsCsv(WithoutLitestarErrors):
    """An operation whose success answers ``text/csv`` instead of JSON when the caller accepts it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        success = self.responses and self.responses.get("200")
        if isinstance(success, OpenAPIResponse) and success.content is not None:
            success.content["text/csv"] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="The same rows as CSV, with a header line")
            )


class WallClockTimes(OpenAPISchemaPlugin):
    """``datetime.time`` is a wall-clock time in the site's zone, sent as ``"08:00:00"``. Litestar would call
    it an ISO 8601 duration; ``format: time`` would be wrong too (RFC 3339 times carry an offset)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of(dt.time)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            description="A wall-clock time in the site's time zone, HH:MM:SS",
            examples=["08:00:00"],
        )


class ClosedBodies(OpenAPISchemaPlugin):
    """A request struct that forbids unknown fields says so (``additionalProperties: false``). One used to
    create names the fields it needs in ``REQUIRED``: they stay optional to msgspec, so that the domain, which
    checks them, names every missing field at once, and the document marks them required."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return (
            not field_definition.is_union
            and field_definition.is_subclass_of(msgspec.Struct)
            and field_definition.annotation.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        # Litestar's own struct plugin (the next one that takes the type) builds the schema; this one amends it.
        litestar_plugin = next(
            plugin
            for plugin in schema_creator.plugins
            if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
        )
        schema = litestar_plugin.to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        required = getattr(field_definition.annotation, "REQUIRED", ())
        schema.required = sorted({*(schema.required or ()), *required}) or None
        return schema
