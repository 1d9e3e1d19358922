"""A visit under one code (``/api/v1/sites/{site}/visits``): a family booking one service together, a chain of
services on one day, or both. Thin: ``booking.visits`` does the work.

A new operation rather than a ``companions`` list on ``POST /sites/{site}/bookings``: the booking's body and
answer stay exactly as clients know them (only adding to the public contract), and a visit's refusals
(``visit_does_not_fit``, fields under ``steps[]`` and ``citizens[]``) belong to the operation that can
answer them. The answer is the lead's booking, as the booking's answer, with its members under ``visit``.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from booking import catalogue, idempotency, visits
from booking.api.openapi import BOOKING_REFUSALS
from booking.api.schemas import BookingOut, ProposalOut, ProposedStepOut, VisitIn
from booking.api.sites import created
from booking.errors import FieldError, InvalidInput
from booking.http.context import Context
from booking.http.params import parse_date
from booking.privacy_notice import documented_notice

Ctx = NamedDependency[Context]
VISIT_DESCRIPTION = (
    "Every citizen at every step, all or nothing: one service for a family (up to the site's `family_max`, "
    "each with their own NIK; at one counter when one has room for all, else spread over the counters), "
    "several services on one day "
    "(each step at or after the previous one's end plus the site's `visit_walk_minutes`), or both. The first "
    "citizen's booking of the first step is the visit's lead: its code, manage link and messages stand for "
    "the visit (the messages list every step and member); cancelling it cancels all. A step without room "
    "for everyone is 409 `visit_does_not_fit` and nothing is booked. Honours Idempotency-Key.\n\n"
)


class VisitController(Controller):
    path = "/sites/{site:str}/visits"
    tags = ["visits"]

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Book a visit: a family, or several services of one day, under one code; honours Idempotency-Key",
        problems=BOOKING_REFUSALS + ["visit_does_not_fit", "not_found", "idempotency_conflict"],
        description=VISIT_DESCRIPTION + documented_notice(),
    )
    def create(
        self,
        ctx: Ctx,
        site: FromPath[str],
        data: JSONBody[VisitIn],
        idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=255)] = None,
    ) -> Response[BookingOut]:
        request = visit_request(data)
        request_hash = idempotency.fingerprint(f"{site}/visits", msgspec.to_builtins(data))

        def work(session, *, secret_key, now, channels_ready, **terms) -> idempotency.Booked:
            found = catalogue.get_site(session, site)
            return idempotency.make_once(
                session,
                lambda: visits.book_visit(
                    session, found, request, now=now, secret_key=secret_key, channels_ready=channels_ready
                ),
                key=idempotency_key, request_hash=request_hash, secret_key=secret_key, now=now, **terms,
            )  # fmt: skip

        return created(ctx, work)

    @get(
        "/proposals",
        sync_to_thread=True,
        summary="Start times that chain several services on one day (each after the previous one's end and a walk)",
        description="`services`: service codes, comma-separated, in the order of the visit (at most "
        f"{visits.MAX_STEPS}); `citizens`: how many come together (default 1). Each proposal is the earliest "
        "chain from one free start of the first service; `remaining` is the places free as the rows stand now "
        "(booking decides).",
        problems=["not_found"],
    )
    def proposals(
        self,
        ctx: Ctx,
        site: FromPath[str],
        services: Annotated[str, QueryParameter(max_length=400, description="codes, comma-separated")],
        date: Annotated[str, QueryParameter(max_length=20, description="YYYY-MM-DD")],
        citizens: Annotated[int, QueryParameter(ge=1, le=10)] = 1,
    ) -> list[ProposalOut]:
        codes = [code.strip() for code in services.split(",") if code.strip()]
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            day = parse_date("date", date)
            if day is None:
                raise InvalidInput([FieldError("date", "required")])
            chains = visits.propose(session, found, codes, day, places=citizens, now=ctx.clock())
            zone = ZoneInfo(found.timezone)
            return [
                ProposalOut(
                    steps=[
                        ProposedStepOut(
                            service=step.service.code,
                            agency=step.service.agency.name,
                            start=step.starts_at.astimezone(zone),
                            end=step.ends_at.astimezone(zone),
                            remaining=step.remaining,
                        )
                        for step in chain
                    ]
                )
                for chain in chains
            ]


def visit_request(data: VisitIn) -> visits.VisitRequest:
    return visits.VisitRequest(
        steps=tuple(visits.Step(service=step.service, start=step.start) for step in data.steps),
        citizens=tuple(
            visits.Person(nik=person.nik, name=person.name, phone=person.phone, email=person.email)
            for person in data.citizens
        ),
        channels=data.chosen_channels(),
        locale=data.locale,
        no_messages=data.no_messages,
        privacy_notice=data.privacy_notice if isinstance(data.privacy_notice, str) else None,
    )
