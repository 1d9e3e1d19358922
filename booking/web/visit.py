"""The citizen's visit page: several services on one day, or a family on one service, booked under one code.

Thin like the API's ``/sites/{site}/visits``: ``booking.visits`` proposes the chains and books all or nothing,
under the form's own idempotency key (``idempotency.make_once``, as the booking form's ``book_once``). One
page: a GET form picks the services, the day and how many come, and shows the proposed chains; a POST form
below it chooses a chain and gives the citizens' details. Booked, it redirects to the lead's page; refused,
the page is shown again with the API's wording next to the fields and nothing taken.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter

from booking import catalogue, idempotency, visits
from booking.availability import last_bookable_day, site_today
from booking.bookings import display_code
from booking.errors import DomainError, IdempotencyConflict, InvalidInput, NotFound
from booking.http.problems import problem_detail
from booking.messages import FIELD_ERRORS
from booking.models import Service, Site
from booking.privacy_notice import PRIVACY_NOTICE_VERSION
from booking.web.base import Ctx, page_language, redirect, render, url_with
from booking.web.citizen import CHANNEL_CHOICES, clean_form, date_or_none, form_text
from booking.web.words import Words
from notifications.render import zone_abbreviation

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Codes = Annotated[list[str] | None, QueryParameter(max_length=64)]
DateParam = Annotated[str | None, QueryParameter(max_length=20)]
People = Annotated[int, QueryParameter(ge=1, le=10)]
DAYS_OFFERED = 14
# Where a domain field error of the lead is shown: the booking form's own fields.
LEAD_FIELDS = {"nik": "nik", "name": "name", "phone": "phone", "email": "email"}


@dataclass(frozen=True)
class Choice:
    """The visit the citizen is shaping: the services in order, the day, how many come."""

    codes: tuple[str, ...]
    day: dt.date | None
    people: int


class VisitPages(Controller):
    @get("/s/{site:str}/kunjungan", sync_to_thread=True)
    def visit(
        self,
        ctx: Ctx,
        request: Request,
        site: FromPath[str],
        services: Codes = None,
        date: DateParam = None,
        citizens: People = 1,
    ) -> Response:
        choice = Choice(
            tuple(dict.fromkeys(code.strip().upper() for code in services or [])), date_or_none(date), citizens
        )
        form = {"channels": ["sms"], "form_key": secrets.token_urlsafe(16)}
        return self._page(ctx, request, site, choice, form, errors={}, message=None)

    @post("/s/{site:str}/visits", sync_to_thread=True)
    def book(self, ctx: Ctx, request: Request, site: FromPath[str], data: Form) -> Response:
        """The form's visit: counted by the same rate limit as the API's (this path ends in /visits)."""
        form = {**clean_form(data), **_members(data), "chain": form_text(data, "chain", 1000)}
        choice = Choice(
            tuple(_list(data, "services")), date_or_none(form_text(data, "date")), _int(form_text(data, "citizens"))
        )
        language, now, secret = page_language(request), ctx.clock(), ctx.settings.resolved_secret_key
        rows = _filled_rows(form, choice.people)
        asked = visits.VisitRequest(
            steps=_steps(form["chain"]),
            citizens=(
                visits.Person(form["nik"], form["name"], form["phone"], form["email"] or None),
                *(visits.Person(form[f"member{row}_nik"], form[f"member{row}_name"]) for row in rows),
            ),
            channels=tuple(form["channels"]), locale=language, no_messages=form["no_messages"],
            privacy_notice=form["privacy_notice"] or None,
        )  # fmt: skip
        fingerprint = idempotency.fingerprint(f"web:{site}/visits", {k: v for k, v in form.items() if k != "form_key"})
        ttl = dt.timedelta(hours=ctx.settings.idempotency_ttl_hours)

        def work(session) -> idempotency.Booked:
            found = catalogue.get_site(session, site)
            return idempotency.make_once(
                session,
                lambda: visits.book_visit(
                    session, found, asked, now=now, secret_key=secret, channels_ready=ctx.settings.ready_channels
                ),
                key=form["form_key"], request_hash=fingerprint,
                answer=lambda _session, made: {"code": display_code(made.booking.code)},
                now=now, ttl=ttl, secret_key=secret,
            )  # fmt: skip

        try:
            booked = ctx.db.transaction(work)
        except DomainError as refused:
            if isinstance(refused, NotFound) and refused.params.get("what") == "site":
                raise
            ctx.metrics.booking_refused(refused.code)
            errors, message = _errors(refused, language, rows)
            if isinstance(refused, IdempotencyConflict):  # the API's words name a header no citizen has seen
                form, message = {**form, "form_key": secrets.token_urlsafe(16)}, Words(language)("form_sent_before")
            status = 422 if isinstance(refused, InvalidInput) else 409
            return self._page(ctx, request, site, choice, form, errors=errors, message=message, status=status)
        if not booked.replayed:
            ctx.metrics.booking_made()
        return redirect(request, url_with(f"/b/{booked.body['code']}", token=booked.manage_token, done="booked"))

    def _page(self, ctx, request, site: str, choice: Choice, form, *, errors, message, status=200) -> Response:
        words, now = Words(page_language(request)), ctx.clock()
        with ctx.db.read() as session:
            found = catalogue.get_site(session, site)
            services = catalogue.list_services(session, found)
            known = {service.code: service for service in services}
            chosen = [known[code] for code in choice.codes if code in known]
            days = _days(found, now)
            day = choice.day if choice.day in days else None
            people = min(choice.people, found.family_max)
            problem, chains = _proposals(session, words, found, chosen, day, people, now)
            return render(
                request,
                "citizen/visit.html",
                status_code=status,
                site=found,
                groups=_by_agency(services),
                chosen_codes=[service.code for service in chosen],
                days=[(day_.isoformat(), words.day(day_)) for day_ in days],
                day=day.isoformat() if day else "",
                day_label=words.day(day) if day else "",
                people=people,
                people_choices=range(1, found.family_max + 1),
                members=range(1, people),
                problem=problem,
                chains=chains,
                zone=zone_abbreviation(dt.datetime.combine(day or days[0], dt.time(12), ZoneInfo(found.timezone))),
                channels=[channel for channel in CHANNEL_CHOICES if channel in _offered(found, ctx)],
                form={"chain": "", **form},
                errors=errors,
                message=message,
                privacy_notice=PRIVACY_NOTICE_VERSION,
                privacy_url=f"/s/{found.slug}/privasi",
                most=visits.MAX_STEPS,
                walk=found.visit_walk_minutes,
            )


def _proposals(session, words: Words, site: Site, chosen: list[Service], day, people: int, now) -> tuple:
    """The chains to choose from, or why there are none (nothing asked yet: neither)."""
    if not chosen or day is None:
        return None, []
    if len(chosen) > visits.MAX_STEPS:
        return words("visitpage_too_many", most=visits.MAX_STEPS), []
    if len(chosen) == 1 and people == 1:
        return words("visitpage_pick_more"), []
    chains = visits.propose(session, site, [service.code for service in chosen], day, places=people, now=now)
    if not chains:
        return words("visitpage_no_chain", day=words.day(day)), []
    zone = ZoneInfo(site.timezone)
    return None, [
        {
            "value": ";".join(f"{step.service.code}|{step.starts_at.astimezone(zone).isoformat()}" for step in chain),
            "steps": [
                words(
                    "visitpage_step",
                    time=f"{words.clock(step.starts_at.astimezone(zone))}–{words.clock(step.ends_at.astimezone(zone))}",
                    service=step.service.name,
                    agency=step.service.agency.name,
                    counter=" / ".join(sorted(counter.label for counter in step.service.counters))
                    or words("visitpage_counters"),
                )
                for step in chain
            ],
        }
        for chain in chains
    ]


def _by_agency(services: list[Service]) -> list[tuple[str, list[Service]]]:
    groups: dict[int, tuple[str, list[Service]]] = {}
    for service in services:
        groups.setdefault(service.agency_id, (service.agency.name, []))[1].append(service)
    return list(groups.values())


def _days(site: Site, now: dt.datetime) -> list[dt.date]:
    first = site_today(site, now)
    last = min(first + dt.timedelta(days=DAYS_OFFERED - 1), last_bookable_day(site, now))
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _steps(chain: str) -> tuple[visits.Step, ...]:
    """The chosen proposal's value, ``CODE|start;CODE|start``; the domain checks what it says."""
    pairs = [part.split("|", 1) for part in chain.split(";") if "|" in part]
    return tuple(visits.Step(service=code, start=start) for code, start in pairs[: visits.MAX_STEPS + 1])


def _members(data: dict[str, Any]) -> dict[str, str]:
    return {
        f"member{n}_{field}": form_text(data, f"member{n}_{field}", 100)
        for n in range(1, 10)
        for field in ("nik", "name")
    }


def _filled_rows(form: dict[str, str], people: int) -> list[int]:
    """The family members' rows the page showed, empty ones left out: ``citizens[n]`` is row ``rows[n - 1]``."""
    return [n for n in range(1, min(people, 10)) if form[f"member{n}_nik"] or form[f"member{n}_name"]]


def _errors(refused: DomainError, language: str, rows: list[int]) -> tuple[dict[str, str], str]:
    """Field errors next to their fields (a member's under its row), in the API's wording; the rest above."""
    if not isinstance(refused, InvalidInput):
        return {}, problem_detail(refused, language)
    errors: dict[str, str] = {}
    for error in refused.errors:
        errors.setdefault(_field(error.field, rows), FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(
            language, **error.params
        ))  # fmt: skip
    shown = {*LEAD_FIELDS.values(), "channels", "chain", *_members({})}
    unplaced = [text for field, text in errors.items() if field not in shown]
    return errors, " ".join([Words(language)("form_has_errors"), *unplaced])


def _field(name: str, rows: list[int]) -> str:
    """``citizens[0].nik`` is the lead's ``nik``; ``citizens[n].name`` is the name of the n-th filled member row
    (``member{row}_name``); the steps are the chain."""
    if name.startswith("steps"):
        return "chain"
    if name.startswith("channels"):
        return "channels"
    if name.startswith("citizens[") and "]." in name:
        position, field = name[len("citizens[") :].split("].", 1)
        if position == "0":
            return LEAD_FIELDS.get(field, field)
        return f"member{rows[int(position) - 1]}_{field}" if position.isdigit() and int(position) <= len(rows) else name
    return name


def _int(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) <= 10 else 1


def _list(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(item).strip().upper()[:64] for item in ([value] if isinstance(value, str) else value)][:10]


def _offered(site: Site, ctx) -> tuple[str, ...]:
    return catalogue.offered_channels(site, ctx.settings.ready_channels)
