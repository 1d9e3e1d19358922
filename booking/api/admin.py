"""Site administration under ``/api/v1/admin`` (admins only): thin, ``booking.admin`` decides.

Every change that would leave booked citizens without a place answers 409 ``bookings_affected`` with
the list; the same request with ``?force=true`` cancels them, each with a notice giving the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter

from booking import audit, staff
from booking.admin import REQUIRED_TO_CREATE, Admin
from booking.http.context import Context
from booking.http.params import parse_date
from booking.models import (
    MAX_ROW_ID,
    Agency,
    Closure,
    Counter,
    OpeningRule,
    SearchSynonym,
    Service,
    Site,
    StaffUser,
)
from booking.staff import Principal

Ctx = NamedDependency[Context]
# Row ids are 32-bit integers in the database: a larger one names no row, and PostgreSQL refuses to compare it.
RowId = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID)]
# A change to what a counter or a service can hold: refused with the bookings it would leave without a place.
CAPACITY_CHANGE = ["not_found", "bookings_affected"]
Force = Annotated[bool, QueryParameter(description="cancel the bookings the change leaves without a place")]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType
# What the admin's text fields hold, for the document (booking.admin checks them).
WALL_CLOCK = msgspec.Meta(description="A wall-clock time in the site's time zone: HH:MM (or HH:MM:SS)")
DAY = msgspec.Meta(description="A date: YYYY-MM-DD")
WEEKDAY = msgspec.Meta(description="0 (Monday) to 6 (Sunday), or its name: mon, tue, ... sun")


class AgencyIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: str | Unset = UNSET
    name: str | Unset = UNSET
    sort_order: int | Unset = UNSET
    ticket_prefix: str | Unset = UNSET  # the letters of its queue tickets; default: the first free ones
    active: bool | Unset = UNSET  # false: retired, none of its services is offered (their history stays)


class ServiceIn(msgspec.Struct, forbid_unknown_fields=True):
    agency: str | Unset = UNSET
    code: str | Unset = UNSET
    name: str | Unset = UNSET
    duration_minutes: int | Unset = UNSET
    requirements: list[str] | Unset = UNSET
    daily_quota: int | None | Unset = UNSET
    active: bool | Unset = UNSET  # false: retired, no longer offered (its history stays)


class CounterIn(msgspec.Struct, forbid_unknown_fields=True):
    agency: str | Unset = UNSET
    label: str | Unset = UNSET
    services: list[str] | Unset = UNSET


class RuleIn(msgspec.Struct, forbid_unknown_fields=True):
    weekday: Annotated[int | str | Unset, WEEKDAY] = UNSET
    opens_at: Annotated[str | Unset, WALL_CLOCK] = UNSET
    closes_at: Annotated[str | Unset, WALL_CLOCK] = UNSET
    slot_minutes: int | Unset = UNSET
    capacity: int | Unset = UNSET
    walk_in_places: int | Unset = UNSET
    break_starts_at: Annotated[str | None | Unset, WALL_CLOCK] = UNSET
    break_ends_at: Annotated[str | None | Unset, WALL_CLOCK] = UNSET
    valid_from: Annotated[str | None | Unset, DAY] = UNSET
    valid_until: Annotated[str | None | Unset, DAY] = UNSET


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_on: Annotated[str | Unset, DAY] = UNSET
    ends_on: Annotated[str | Unset, DAY] = UNSET
    # part of a day: closed from this time on the first day, until this time on the last (default: whole days)
    from_time: Annotated[str | None | Unset, WALL_CLOCK] = UNSET
    until_time: Annotated[str | None | Unset, WALL_CLOCK] = UNSET
    reason: str | Unset = UNSET
    reason_en: str | Unset = UNSET
    agency: str | None | Unset = UNSET
    counter: str | None | Unset = UNSET
    holiday: Annotated[
        bool | Unset, msgspec.Meta(description="a local holiday, such as the kabupaten's anniversary")
    ] = UNSET


class SynonymIn(msgspec.Struct, forbid_unknown_fields=True):
    term: str | Unset = UNSET
    means: str | Unset = UNSET


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str | Unset = UNSET
    address: str | Unset = UNSET
    min_lead_minutes: int | Unset = UNSET
    max_days_ahead: int | Unset = UNSET
    reminder_day_before_at: Annotated[str | None | Unset, WALL_CLOCK] = UNSET
    reminder_soon_minutes: int | None | Unset = UNSET
    no_show_grace_minutes: int | Unset = UNSET
    arrival_early_minutes: int | Unset = UNSET
    arrival_late_minutes: int | Unset = UNSET
    turn_soon_places: int | Unset = UNSET
    recalls_before_missed: int | Unset = UNSET
    personal_data_retention_days: int | Unset = UNSET
    privacy_contact: str | Unset = UNSET
    survey_link_days: int | Unset = UNSET  # 1-90
    waitlist_hold_minutes: int | Unset = UNSET  # 5-240
    family_max: int | Unset = UNSET  # 1-10: citizens one visit may book together
    visit_walk_minutes: int | Unset = UNSET  # 0-120: between one step of a visit and the next
    channels: list[str] | Unset = UNSET  # what the site offers: some of sms, email, whatsapp


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str | Unset = UNSET
    password: str | Unset = UNSET  # at least 10 characters; a change ends the account's tokens
    role: str | Unset = UNSET  # admin, staff, or partner (books for citizens through the API, nothing else)
    agency: str | None | Unset = UNSET  # a clerk's agency (slug); an admin has none
    active: bool | Unset = UNSET  # false: disabled, its tokens end at once


class NewAccountIn(AccountIn):
    REQUIRED: ClassVar = ("username", "password", "role")


class AccountOut(msgspec.Struct):
    username: str
    role: str
    agency: str | None
    active: bool
    created_at: dt.datetime


class NewAgencyIn(AgencyIn):
    REQUIRED: ClassVar = REQUIRED_TO_CREATE["agency"]  # for the document (booking.api.openapi.ClosedBodies)


class NewServiceIn(ServiceIn):
    REQUIRED: ClassVar = REQUIRED_TO_CREATE["service"]


class NewCounterIn(CounterIn):
    REQUIRED: ClassVar = REQUIRED_TO_CREATE["counter"]


class NewRuleIn(RuleIn):
    REQUIRED: ClassVar = REQUIRED_TO_CREATE["rule"]


class NewClosureIn(ClosureIn):
    REQUIRED: ClassVar = REQUIRED_TO_CREATE["closure"]


class AgencyAdminOut(msgspec.Struct):
    slug: str
    name: str
    sort_order: int
    ticket_prefix: str
    active: bool


class ServiceAdminOut(msgspec.Struct):
    code: str
    name: str
    agency: str
    duration_minutes: int
    requirements: list[str]
    daily_quota: int | None
    active: bool


class RuleOut(msgspec.Struct):
    id: int
    weekday: int
    opens_at: dt.time
    closes_at: dt.time
    slot_minutes: int
    capacity: int
    walk_in_places: int
    break_starts_at: dt.time | None
    break_ends_at: dt.time | None
    valid_from: dt.date | None
    valid_until: dt.date | None


class CounterAdminOut(msgspec.Struct):
    label: str
    agency: str
    services: list[str]
    rules: list[RuleOut]


class ClosureOut(msgspec.Struct):
    id: int
    starts_on: dt.date
    ends_on: dt.date
    from_time: dt.time | None  # closed from this time on the first day; null: the whole day
    until_time: dt.time | None  # until this time on the last day; null: its end
    reason: str
    reason_en: str
    kind: str
    national: bool
    agency_id: int | None
    counter_id: int | None


class SynonymOut(msgspec.Struct):
    id: int
    term: str
    means: str


class SiteAdminOut(msgspec.Struct):
    slug: str
    name: str
    timezone: str
    address: str
    min_lead_minutes: int
    max_days_ahead: int
    reminder_day_before_at: dt.time | None
    reminder_soon_minutes: int | None
    no_show_grace_minutes: int
    arrival_early_minutes: int
    arrival_late_minutes: int
    turn_soon_places: int
    recalls_before_missed: int
    personal_data_retention_days: int  # a citizen's data is erased this many days after the visit
    privacy_contact: str  # whom citizens ask about their data (the privacy notice names it)
    survey_link_days: int  # a satisfaction survey's link works this many days after the visit
    waitlist_hold_minutes: int  # how long a freed place is held for the first on its waiting list
    family_max: int  # how many citizens one visit may book together (POST /sites/{site}/visits)
    visit_walk_minutes: int  # the margin between one step of a visit and the next
    channels: list[str]  # the channels the site chose to offer (GET /sites says which it offers now)


class AuditOut(msgspec.Struct):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _given(data: msgspec.Struct) -> dict[str, Any]:
    """The fields the caller sent (a PATCH changes only those)."""
    return {name: value for name, value in msgspec.structs.asdict(data).items() if value is not UNSET}


def _agency_out(agency: Agency) -> AgencyAdminOut:
    return AgencyAdminOut(
        slug=agency.slug,
        name=agency.name,
        sort_order=agency.sort_order,
        ticket_prefix=agency.ticket_prefix,
        active=agency.active,
    )


def _service_out(service: Service) -> ServiceAdminOut:
    return ServiceAdminOut(
        code=service.code,
        name=service.name,
        agency=service.agency.slug,
        duration_minutes=service.duration_minutes,
        requirements=list(service.requirements),
        daily_quota=service.daily_quota,
        active=service.active,
    )


def _rule_out(rule: OpeningRule) -> RuleOut:
    return RuleOut(**{name: getattr(rule, name) for name in RuleOut.__struct_fields__})


def _counter_out(counter: Counter, agency_slugs: dict[int, str]) -> CounterAdminOut:
    return CounterAdminOut(
        label=counter.label,
        agency=agency_slugs[counter.agency_id],
        services=sorted(service.code for service in counter.services),
        rules=[_rule_out(rule) for rule in sorted(counter.rules, key=lambda r: (r.weekday, r.opens_at, r.id))],
    )


def _closure_out(closure: Closure) -> ClosureOut:
    return ClosureOut(
        id=closure.id,
        starts_on=closure.starts_on,
        ends_on=closure.ends_on,
        from_time=closure.from_time,
        until_time=closure.until_time,
        reason=closure.reason,
        reason_en=closure.reason_en,
        kind=closure.kind,
        national=closure.site_id is None,
        agency_id=closure.agency_id,
        counter_id=closure.counter_id,
    )


def _synonym_out(synonym: SearchSynonym) -> SynonymOut:
    return SynonymOut(id=synonym.id, term=synonym.term, means=synonym.means)


def _site_out(site: Site) -> SiteAdminOut:
    return SiteAdminOut(**{name: getattr(site, name) for name in SiteAdminOut.__struct_fields__})


def _account_out(session, user: StaffUser) -> AccountOut:
    return AccountOut(
        username=user.username,
        role=str(user.role),
        agency=staff.account_agency(session, user),
        active=user.active,
        created_at=user.created_at,
    )


Req = Request[Principal, object, object]


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]

    def _read(self, ctx: Context, request: Req, work):
        with ctx.db.read() as session:
            return work(Admin(session, request.user, now=ctx.clock()))

    def _change(self, ctx: Context, request: Req, work, force: bool = False):
        def run(session):
            return work(Admin(session, request.user, now=ctx.clock(), force=force))

        answer = ctx.db.transaction(run)
        return answer

    @get("/site", sync_to_thread=True, summary="The admin's site and its booking and reminder settings")
    def site(self, ctx: Ctx, request: Req) -> SiteAdminOut:
        return self._read(ctx, request, lambda admin: _site_out(admin.site))

    @patch("/site", sync_to_thread=True, summary="Change the site's settings")
    def update_site(self, ctx: Ctx, request: Req, data: JSONBody[SiteIn]) -> SiteAdminOut:
        return self._change(ctx, request, lambda admin: _site_out(admin.update_site(_given(data))))

    @get("/accounts", sync_to_thread=True, summary="Staff accounts of the site: clerks and admins")
    def accounts(self, ctx: Ctx, request: Req) -> list[AccountOut]:
        def work(admin: Admin):
            return [_account_out(admin.session, user) for user in staff.site_accounts(admin.session, request.user)]

        return self._read(ctx, request, work)

    @post("/accounts", sync_to_thread=True, summary="Add a clerk (of an agency), an admin or a booking partner")
    def create_account(self, ctx: Ctx, request: Req, data: JSONBody[NewAccountIn]) -> AccountOut:
        def work(admin: Admin):
            user = staff.create_account(admin.session, request.user, _given(data), now=admin.now)
            return _account_out(admin.session, user)

        return self._change(ctx, request, work)

    @patch(
        "/accounts/{username:str}",
        sync_to_thread=True,
        summary="Disable or enable an account, move it to another agency, or reset its password",
        description="`{\"active\": false}` ends the account's tokens at once. The site's last active admin "
        "cannot be disabled or made a clerk (409 `last_admin`).",
        problems=["not_found", "last_admin"],
    )
    def update_account(self, ctx: Ctx, request: Req, username: FromPath[str], data: JSONBody[AccountIn]) -> AccountOut:
        def work(admin: Admin):
            user = staff.update_account(admin.session, request.user, username, _given(data), now=admin.now)
            return _account_out(admin.session, user)

        return self._change(ctx, request, work)

    @get("/agencies", sync_to_thread=True, summary="Agencies of the site")
    def agencies(self, ctx: Ctx, request: Req) -> list[AgencyAdminOut]:
        return self._read(ctx, request, lambda admin: [_agency_out(a) for a in admin.agencies()])

    @post("/agencies", sync_to_thread=True, summary="Add an agency")
    def create_agency(self, ctx: Ctx, request: Req, data: JSONBody[NewAgencyIn]) -> AgencyAdminOut:
        return self._change(ctx, request, lambda admin: _agency_out(admin.create_agency(_given(data))))

    @patch(
        "/agencies/{slug:str}",
        sync_to_thread=True,
        summary="Rename, reorder or retire an agency",
        description='`{"active": false}` retires it: none of its services is offered any more, their history '
        "stays; their future bookings are listed (409 `bookings_affected`) or, with `force=true`, cancelled "
        "with a notice.",
        problems=["not_found", "bookings_affected"],
    )
    def update_agency(
        self, ctx: Ctx, request: Req, slug: FromPath[str], data: JSONBody[AgencyIn], force: Force = False
    ) -> AgencyAdminOut:
        return self._change(ctx, request, lambda admin: _agency_out(admin.update_agency(slug, _given(data))), force)

    @get("/services", sync_to_thread=True, summary="Services of the site, optionally of one agency")
    def services(
        self, ctx: Ctx, request: Req, agency: Annotated[str | None, QueryParameter(max_length=64)] = None
    ) -> list[ServiceAdminOut]:
        return self._read(ctx, request, lambda admin: [_service_out(s) for s in admin.services(agency)])

    @post("/services", sync_to_thread=True, summary="Add a service")
    def create_service(self, ctx: Ctx, request: Req, data: JSONBody[NewServiceIn]) -> ServiceAdminOut:
        return self._change(ctx, request, lambda admin: _service_out(admin.create_service(_given(data))))

    @patch(
        "/services/{code:str}",
        sync_to_thread=True,
        summary="Change a service, its requirements or daily quota, or retire it",
        description='`{"active": false}` retires it: gone from search, availability and booking, its history '
        "kept; its future bookings are listed (409 `bookings_affected`) or, with `force=true`, cancelled with a "
        "notice.",
        problems=CAPACITY_CHANGE,
    )
    def update_service(
        self, ctx: Ctx, request: Req, code: FromPath[str], data: JSONBody[ServiceIn], force: Force = False
    ) -> ServiceAdminOut:
        return self._change(ctx, request, lambda admin: _service_out(admin.update_service(code, _given(data))), force)

    @get("/counters", sync_to_thread=True, summary="Counters with their services and opening rules")
    def counters(self, ctx: Ctx, request: Req) -> list[CounterAdminOut]:
        def work(admin: Admin):
            slugs = {agency.id: agency.slug for agency in admin.agencies()}
            return [_counter_out(counter, slugs) for counter in admin.counters()]

        return self._read(ctx, request, work)

    @post("/counters", sync_to_thread=True, summary="Add a counter serving some of its agency's services")
    def create_counter(self, ctx: Ctx, request: Req, data: JSONBody[NewCounterIn]) -> CounterAdminOut:
        def work(admin: Admin):
            counter = admin.create_counter(_given(data))
            return _counter_out(counter, {counter.agency_id: admin.session.get(Agency, counter.agency_id).slug})

        return self._change(ctx, request, work)

    @patch(
        "/counters/{label:str}",
        sync_to_thread=True,
        summary="Rename a counter or change what it serves",
        problems=CAPACITY_CHANGE,
    )
    def update_counter(
        self, ctx: Ctx, request: Req, label: FromPath[str], data: JSONBody[CounterIn], force: Force = False
    ) -> CounterAdminOut:
        def work(admin: Admin):
            counter = admin.update_counter(label, _given(data))
            return _counter_out(counter, {counter.agency_id: admin.session.get(Agency, counter.agency_id).slug})

        return self._change(ctx, request, work, force)

    @delete("/counters/{label:str}", sync_to_thread=True, summary="Close a counter down", problems=CAPACITY_CHANGE)
    def remove_counter(self, ctx: Ctx, request: Req, label: FromPath[str], force: Force = False) -> None:
        self._change(ctx, request, lambda admin: admin.remove_counter(label), force)

    @post(
        "/counters/{label:str}/rules",
        sync_to_thread=True,
        summary="Add opening hours to a counter",
        problems=CAPACITY_CHANGE,
    )
    def add_rule(
        self, ctx: Ctx, request: Req, label: FromPath[str], data: JSONBody[NewRuleIn], force: Force = False
    ) -> RuleOut:
        return self._change(ctx, request, lambda admin: _rule_out(admin.add_rule(label, _given(data))), force)

    @patch(
        "/rules/{rule_id:int}",
        sync_to_thread=True,
        summary="Change opening hours, slot length, capacity or walk-in share",
        problems=CAPACITY_CHANGE,
    )
    def update_rule(
        self, ctx: Ctx, request: Req, rule_id: RowId, data: JSONBody[RuleIn], force: Force = False
    ) -> RuleOut:
        return self._change(ctx, request, lambda admin: _rule_out(admin.update_rule(rule_id, _given(data))), force)

    @delete("/rules/{rule_id:int}", sync_to_thread=True, summary="Remove opening hours", problems=CAPACITY_CHANGE)
    def remove_rule(self, ctx: Ctx, request: Req, rule_id: RowId, force: Force = False) -> None:
        self._change(ctx, request, lambda admin: admin.remove_rule(rule_id), force)

    @get("/closures", sync_to_thread=True, summary="Closures (national holidays included) between two dates")
    def closures(
        self,
        ctx: Ctx,
        request: Req,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=20, description="YYYY-MM-DD")] = None,
        to: Annotated[str | None, QueryParameter(max_length=20, description="YYYY-MM-DD")] = None,
    ) -> list[ClosureOut]:
        today = ctx.clock().date()
        first = parse_date("from", from_) or today
        last = parse_date("to", to) or first + dt.timedelta(days=365)
        return self._read(ctx, request, lambda admin: [_closure_out(c) for c in admin.closures(first, last)])

    @post(
        "/closures",
        sync_to_thread=True,
        summary="Close the site, an agency or a counter for some days",
        problems=["bookings_affected"],
    )
    def add_closure(self, ctx: Ctx, request: Req, data: JSONBody[NewClosureIn], force: Force = False) -> ClosureOut:
        return self._change(ctx, request, lambda admin: _closure_out(admin.add_closure(_given(data))), force)

    @patch(
        "/closures/{closure_id:int}",
        sync_to_thread=True,
        summary="Correct a closure of the site: its days, reason, scope, or whether it is a local holiday",
        problems=CAPACITY_CHANGE,
    )
    def update_closure(
        self, ctx: Ctx, request: Req, closure_id: RowId, data: JSONBody[ClosureIn], force: Force = False
    ) -> ClosureOut:
        return self._change(
            ctx, request, lambda admin: _closure_out(admin.update_closure(closure_id, _given(data))), force
        )

    @delete("/closures/{closure_id:int}", sync_to_thread=True, summary="Open again", problems=["not_found"])
    def remove_closure(self, ctx: Ctx, request: Req, closure_id: RowId) -> None:
        self._change(ctx, request, lambda admin: admin.remove_closure(closure_id))

    @get("/synonyms", sync_to_thread=True, summary="The ways citizens write services, for the site's search")
    def synonyms(self, ctx: Ctx, request: Req) -> list[SynonymOut]:
        return self._read(ctx, request, lambda admin: [_synonym_out(s) for s in admin.synonyms()])

    @post("/synonyms", sync_to_thread=True, summary="Add a synonym: the search finds either word by the other")
    def add_synonym(self, ctx: Ctx, request: Req, data: JSONBody[SynonymIn]) -> SynonymOut:
        return self._change(ctx, request, lambda admin: _synonym_out(admin.add_synonym(_given(data))))

    @delete("/synonyms/{synonym_id:int}", sync_to_thread=True, summary="Remove a synonym", problems=["not_found"])
    def remove_synonym(self, ctx: Ctx, request: Req, synonym_id: RowId) -> None:
        self._change(ctx, request, lambda admin: admin.remove_synonym(synonym_id))

    @get("/audit", sync_to_thread=True, summary="Who did what and when, newest first")
    def audit_log(
        self,
        ctx: Ctx,
        request: Req,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
        before_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ROW_ID)] = None,
        actor: Annotated[str | None, QueryParameter(max_length=64, description="who: a username")] = None,
        action: Annotated[
            str | None, QueryParameter(max_length=64, description="what: an action, or its kind (closure)")
        ] = None,
        day: Annotated[str | None, QueryParameter(name="date", max_length=20, description="YYYY-MM-DD")] = None,
    ) -> list[AuditOut]:
        on = parse_date("date", day)

        def work(admin: Admin):
            since, until = audit.day_bounds(on, admin.site.timezone) if on else (None, None)
            entries = audit.entries(
                admin.session, admin.site.id, since=since, until=until, actor=actor, action=action, limit=limit,
                before_id=before_id,
            )  # fmt: skip
            return [
                AuditOut(
                    id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target, before=e.before, after=e.after
                )
                for e in entries
            ]

        return self._read(ctx, request, work)
