"""The admin pages under ``/admin``: the site's settings, agencies and services, counters and their opening
hours, closures, staff accounts and the audit log, for the site's admin.

Thin like the admin API: every form calls the same domain functions (``booking.admin.Admin``,
``booking.staff``), in one transaction, so a refused change leaves nothing half-saved and each rule is
written once. The sign-in is the staff pages' (its cookie is sent to /staff and /admin); a clerk on any
admin page gets 403, and another site's row is not found (404). Forms keep what was typed and show each
error by its field, in the API's words. Nothing here needs JavaScript.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy.orm import Session

from booking import audit, staff
from booking.admin import Admin
from booking.availability import site_today
from booking.errors import BookingsAffected, Busy, DomainError, Forbidden, InvalidInput, NotFound
from booking.http.auth import TokenIssuer
from booking.http.context import Context
from booking.http.params import parse_date
from booking.http.problems import problem_detail
from booking.models import ALL_CHANNELS, MAX_ROW_ID, Agency, StaffRole
from booking.staff import Principal, require_admin
from booking.web.base import field_errors, page_language, redirect, render, url_with
from booking.web.staff import NotSignedIn, signed_in_clerk
from booking.web.words import WORDS, Words

Ctx = NamedDependency[Context]
Tokens = NamedDependency[TokenIssuer]
SiteAdmin = NamedDependency[Principal]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DoneParam = Annotated[str | None, QueryParameter(name="done", max_length=40)]
NameParam = Annotated[str | None, QueryParameter(name="name", max_length=64)]
# the admin pages' menu: (address, words); reports are another page's, linked here
NAVIGATION = (
    ("/admin/pengaturan", "nav_settings"),
    ("/admin/layanan", "nav_services"),
    ("/admin/loket", "nav_counters"),
    ("/admin/penutupan", "nav_closures"),
    ("/admin/akun", "nav_accounts"),
    ("/admin/audit", "nav_audit"),
    ("/admin/laporan", "nav_reports"),
)
CLOSURE_FIELDS = ("scope", "starts_on", "ends_on", "from_time", "until_time", "reason", "reason_en")
# the domain's field names where the form's differ
CLOSURE_ERROR_FIELDS = {"agency": "scope", "counter": "scope"}
# Refusals a page shows beside its form; any other (not found, forbidden, busy) is its own error page.
PASSED_ON = (NotFound, Forbidden, Busy)


def signed_in_admin(ctx: Ctx, tokens: Tokens, request: Request) -> Principal:
    principal = signed_in_clerk(ctx, tokens, request)
    require_admin(principal)  # a clerk: 403
    return principal


def to_sign_in(request: Request, _error: NotSignedIn) -> Response:
    return redirect(request, url_with("/staff/login", next=request.url.path))


def text(data: dict, name: str, longest: int = 300) -> str:
    """A form field as typed (one value, cut to a sane length)."""
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)[:longest]


def number(value: str) -> int | str | None:
    """A number typed in a form: an int, None when left empty, or the text (the domain refuses it by field)."""
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


RULE_FORM_FIELDS = (
    "weekday", "opens_at", "closes_at", "break_starts_at", "break_ends_at", "slot_minutes", "capacity",
    "walk_in_places", "valid_from", "valid_until",
)  # fmt: skip
NUMBERS = ("slot_minutes", "capacity", "walk_in_places")


def _list(data: dict, name: str) -> list[str]:
    """A form field given any number of times (checkboxes), as typed."""
    value = data.get(name, [])
    return [str(item)[:64] for item in (value if isinstance(value, list) else [value])][:500]


def _rule_values(form: dict[str, str]) -> dict[str, Any]:
    """A rule's form as the domain takes it: numbers as numbers, empty optional fields as None."""
    values: dict[str, Any] = {name: (form[name] or None) for name in RULE_FORM_FIELDS}
    for name in NUMBERS:
        values[name] = number(form[name])
    values["weekday"] = number(form["weekday"])
    if values["walk_in_places"] is None:
        values["walk_in_places"] = 0
    return values


def _rule_form(rule) -> dict[str, str]:
    """A rule as its edit form shows it."""
    shown = {name: getattr(rule, name) for name in RULE_FORM_FIELDS}
    return {
        name: "" if value is None else value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)
        for name, value in shown.items()
    }


def day_name(weekday: int, words: Words) -> str:
    return get_day_names("wide", locale=words.language)[weekday].capitalize()


def _clock(time: dt.time, words: Words) -> str:
    return time.strftime("%H.%M" if words.language == "id" else "%H:%M")


def rule_summary(rule, words: Words) -> dict[str, str | None]:
    """One rule in words: its hours, break, slots and places, and when it is valid."""
    validity = None
    since, until = (words.short_day(day) if day else None for day in (rule.valid_from, rule.valid_until))
    if since and until:
        validity = words("valid_range", since=since, until=until)
    elif since or until:
        validity = words("valid_since", since=since) if since else words("valid_until", until=until)
    return {
        "hours": words("hours_range", opens=_clock(rule.opens_at, words), closes=_clock(rule.closes_at, words)),
        "break": words(
            "break_range", starts=_clock(rule.break_starts_at, words), ends=_clock(rule.break_ends_at, words)
        )
        if rule.break_starts_at
        else None,
        "slots": words("slot_facts", minutes=rule.slot_minutes, capacity=rule.capacity, walk_in=rule.walk_in_places),
        "validity": validity,
    }


def readable_week(rules, words: Words) -> list[tuple[str, list[dict]]]:
    """Monday to Sunday, each with its rules in words (none: closed that day)."""
    ordered = sorted(rules, key=lambda r: (r.opens_at, r.valid_from or dt.date.min))
    return [
        (day_name(weekday, words), [rule_summary(rule, words) for rule in ordered if rule.weekday == weekday])
        for weekday in range(7)
    ]


SERVICE_FORM_FIELDS = ("name", "duration_minutes", "requirements", "daily_quota")


def _service_values(form: dict[str, str]) -> dict[str, Any]:
    """A service's form as the domain takes it: requirements one per line, numbers as numbers."""
    return {
        "name": form["name"],
        "duration_minutes": number(form["duration_minutes"]) if form["duration_minutes"].strip() else "",
        "requirements": [line.strip() for line in form["requirements"].splitlines() if line.strip()],
        "daily_quota": number(form["daily_quota"]),
    }


def _service_form(service) -> dict[str, str]:
    return {
        "name": service.name,
        "duration_minutes": str(service.duration_minutes),
        "requirements": "\n".join(service.requirements),
        "daily_quota": "" if service.daily_quota is None else str(service.daily_quota),
    }


SITE_SECTIONS = (
    ("booking_rules", ("name", "address", "min_lead_minutes", "max_days_ahead", "reminder_day_before_at",
                       "reminder_soon_minutes", "no_show_grace_minutes")),
    ("arrival_rules", ("arrival_early_minutes", "arrival_late_minutes", "turn_soon_places", "recalls_before_missed")),
    ("fair_access_rules", ("waitlist_hold_minutes", "family_max", "visit_walk_minutes")),
    ("privacy_rules", ("personal_data_retention_days", "privacy_contact")),
)  # fmt: skip
SITE_FORM_FIELDS = tuple(name for _, names in SITE_SECTIONS for name in names)
SITE_NUMBERS = set(SITE_FORM_FIELDS) - {"name", "address", "reminder_day_before_at", "privacy_contact"}
AUDIT_PAGE = 100


KEEP = object()  # an optional text left empty: the setting stays as it is
OPTIONAL = {"reminder_day_before_at", "reminder_soon_minutes"}  # empty: no such reminder


def _setting(name: str, typed: str):
    """A setting as typed, as the domain takes it (an empty required number stays text: refused by field)."""
    if not typed.strip():
        return None if name in OPTIONAL else KEEP if name in ("address", "privacy_contact") else typed
    return number(typed) if name in SITE_NUMBERS else typed


def _shown(value) -> str:
    """A setting as its form field shows it."""
    if value is None:
        return ""
    return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)


def confirmed(data: dict) -> bool:
    """The admin saw the bookings a change cancels and confirmed it (the same form, posted again)."""
    return text(data, "confirm") == "1"


def _on_form(errors: dict[str, str], renamed: dict[str, str]) -> dict[str, str]:
    """Field errors under the names the form's fields carry."""
    return {renamed.get(field, field): message for field, message in errors.items()}


def _closure_scope(closure, names: dict) -> str | None:
    """What a closure shuts, by name: a counter, an agency, or None (the site, or the whole country)."""
    if closure.counter_id is not None:
        return names.get(("counter", closure.counter_id))
    if closure.agency_id is not None:
        return names.get(("agency", closure.agency_id))
    return None


class AdminPages(Controller):
    path = "/admin"
    dependencies = {"admin": Provide(signed_in_admin, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/", sync_to_thread=True)
    def home(self, ctx: Ctx, request: Request, admin: SiteAdmin) -> Response:
        return self.page(ctx, request, admin, "admin/home.html", lambda a: {})

    # staff accounts

    @get("/akun", sync_to_thread=True)
    def accounts(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, done: DoneParam = None, name: NameParam = None
    ) -> Response:
        return self.accounts_page(ctx, request, admin, form={"role": "staff"}, notice=self.done(request, done, name))

    @post("/akun", sync_to_thread=True)
    def create_account(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form = {name: text(data, name, 200) for name in ("username", "password", "role", "agency")}

        def work(a: Admin):
            values = {**form, "agency": form["agency"] or None}
            return staff.create_account(a.session, admin, values, now=a.now).username

        return self.change(
            ctx, request, admin, work,
            done=lambda username: url_with("/admin/akun", done="account_created", name=username),
            again=lambda errors, alert, status: self.accounts_page(
                ctx, request, admin, form={**form, "password": ""}, errors=errors, alert=alert, status=status
            ),
        )  # fmt: skip

    @get("/akun/{username:str}", sync_to_thread=True)
    def account(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, username: FromPath[str], done: DoneParam = None
    ) -> Response:
        return self.account_page(ctx, request, admin, username, notice=self.done(request, done, username))

    @post("/akun/{username:str}", sync_to_thread=True)
    def update_account(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, username: FromPath[str], data: Form
    ) -> Response:
        change = text(data, "change", 20)
        if change == "active":
            values, done = {"active": text(data, "active") == "1"}, None
            done = "account_enabled" if values["active"] else "account_disabled"
        elif change == "password":
            values, done = {"password": text(data, "password", 200)}, "account_password"
        else:
            role = text(data, "role", 20)
            values = {"role": role, "agency": text(data, "agency", 64) or None}
            done = "account_moved"
        back = text(data, "back", 20)  # the list's buttons lead back to the list

        def work(a: Admin):
            return staff.update_account(a.session, admin, username, values, now=a.now).username

        def again(errors, alert, status):
            if back == "list":
                return self.accounts_page(ctx, request, admin, form={"role": "staff"}, alert=alert, status=status)
            form = {key: value for key, value in values.items() if key != "password"}
            return self.account_page(
                ctx, request, admin, username, form=form, errors=errors, alert=alert, status=status
            )

        return self.change(
            ctx, request, admin, work, again=again,
            done=lambda name: url_with("/admin/akun", done=done, name=name) if back == "list"
            else url_with(f"/admin/akun/{name}", done=done),
        )  # fmt: skip

    def accounts_page(self, ctx, request, admin, *, form, errors=None, alert=None, notice=None, status=200):
        def view(a: Admin):
            users = staff.site_accounts(a.session, admin)
            return {
                "accounts": [(user, staff.account_agency(a.session, user)) for user in users],
                "agencies": [agency for agency in a.agencies() if agency.active],
                "agency_names": {agency.slug: agency.name for agency in a.agencies()},
            }

        return self.page(
            ctx, request, admin, "admin/accounts.html", view, status=status,
            form=form, errors=errors or {}, alert=alert, notice=notice, roles=tuple(StaffRole),
        )  # fmt: skip

    def account_page(
        self, ctx, request, admin, username, *, form=None, errors=None, alert=None, notice=None, status=200
    ):
        def view(a: Admin):
            user = staff.site_account(a.session, admin, username)
            agency = staff.account_agency(a.session, user)
            return {
                "account": user,
                "agencies": [choice for choice in a.agencies() if choice.active or choice.slug == agency],
                "form": {"role": str(user.role), "agency": agency or ""} | (form or {}),
            }

        return self.page(
            ctx, request, admin, "admin/account.html", view, status=status,
            errors=errors or {}, alert=alert, notice=notice, roles=tuple(StaffRole),
        )  # fmt: skip

    # closures: the citizens affected are listed before the admin confirms

    @get("/penutupan", sync_to_thread=True)
    def closures(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, done: DoneParam = None, name: NameParam = None
    ) -> Response:
        return self.closures_page(ctx, request, admin, form={}, notice=self.done(request, done, name))

    @post("/penutupan", sync_to_thread=True)
    def add_closure(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form = {name: text(data, name) for name in CLOSURE_FIELDS}
        scope, _, key = form["scope"].partition(":")
        values = {
            "starts_on": form["starts_on"] or None,
            "ends_on": form["ends_on"] or form["starts_on"] or None,
            "from_time": form["from_time"] or None,
            "until_time": form["until_time"] or None,
            "reason": form["reason"],
            "reason_en": form["reason_en"] or None,
            "agency": key if scope == "agency" else None,
            "counter": key if scope == "counter" else None,
        }

        def work(a: Admin):
            a.add_closure(values)
            return len(a.cancelled)

        return self.change(
            ctx, request, admin, work, force=confirmed(data),
            confirm=lambda affected: self.closures_page(
                ctx, request, admin, form=form, affected=affected, status=409
            ),
            done=lambda count: url_with("/admin/penutupan", done="closure_forced", name=count)
            if count else url_with("/admin/penutupan", done="closure_added"),
            again=lambda errors, alert, status: self.closures_page(
                ctx, request, admin, form=form, errors=_on_form(errors, CLOSURE_ERROR_FIELDS), alert=alert,
                status=status,
            ),
        )  # fmt: skip

    @post("/penutupan/{closure_id:int}/hapus", sync_to_thread=True)
    def remove_closure(self, ctx: Ctx, request: Request, admin: SiteAdmin, closure_id: FromPath[int]) -> Response:
        return self.change(
            ctx, request, admin, lambda a: a.remove_closure(closure_id),
            done=lambda _: url_with("/admin/penutupan", done="closure_removed"),
            again=lambda errors, alert, status: self.closures_page(
                ctx, request, admin, form={}, alert=alert, status=status
            ),
        )  # fmt: skip

    def closures_page(
        self, ctx, request, admin, *, form, errors=None, alert=None, notice=None, affected=None, status=200
    ):
        def view(a: Admin):
            today = site_today(a.site, a.now)
            agencies = a.agencies()
            counters = a.counters()
            names = {("agency", agency.id): agency.name for agency in agencies}
            names |= {("counter", counter.id): counter.label for counter in counters}
            closures = sorted(a.closures(today, today + dt.timedelta(days=366)), key=lambda c: (c.starts_on, c.id))
            return {
                "closures": [(closure, _closure_scope(closure, names)) for closure in closures],
                "agencies": [agency for agency in agencies if agency.active],
                "counters": counters,
                "today": today,
            }

        return self.page(
            ctx, request, admin, "admin/closures.html", view, status=status,
            form={"starts_on": "", "scope": ""} | form, errors=errors or {}, alert=alert, notice=notice,
            affected=affected,
        )  # fmt: skip

    @staticmethod
    def affected(request: Request, refusal: BookingsAffected) -> list[dict]:
        """The bookings a change would cancel, as the confirmation lists them (their day and time written out)."""
        words = Words(page_language(request))
        rows = []
        for booking in refusal.bookings:
            start = dt.datetime.fromisoformat(booking["start"])
            rows.append({**booking, "when": f"{words.day(start.date())} {words.clock(start)}"})
        return rows

    # counters, the services they serve, their opening hours as a readable week

    @get("/loket", sync_to_thread=True)
    def counters(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, done: DoneParam = None, name: NameParam = None
    ) -> Response:
        return self.counters_page(ctx, request, admin, form={}, notice=self.done(request, done, name))

    @post("/loket", sync_to_thread=True)
    def create_counter(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form = {
            "agency": text(data, "agency", 64),
            "label": text(data, "label", 100),
            "services": _list(data, "services"),
        }
        return self.change(
            ctx, request, admin, lambda a: a.create_counter(form).label,
            done=lambda label: url_with(f"/admin/loket/{quote(label)}", done="counter_created"),
            again=lambda errors, alert, status: self.counters_page(
                ctx, request, admin, form=form, errors=_on_form(errors, {}), alert=alert, status=status
            ),
        )  # fmt: skip

    @get("/loket/{label:str}", sync_to_thread=True)
    def counter(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], done: DoneParam = None
    ) -> Response:
        return self.counter_page(ctx, request, admin, label, notice=self.done(request, done, label))

    @post("/loket/{label:str}/layanan", sync_to_thread=True)
    def counter_services(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], data: Form
    ) -> Response:
        form = {"services": _list(data, "services")}
        return self.counter_change(
            ctx,
            request,
            admin,
            label,
            data,
            form,
            "services",
            lambda a: a.update_counter(label, form),
            "counter_services",
        )

    @post("/loket/{label:str}/aturan", sync_to_thread=True)
    def add_rule(self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], data: Form) -> Response:
        form = {name: text(data, name, 20) for name in RULE_FORM_FIELDS}
        return self.counter_change(
            ctx, request, admin, label, data, form, "new", lambda a: a.add_rule(label, _rule_values(form)), "rule_saved"
        )

    @post("/loket/{label:str}/aturan/{rule_id:int}", sync_to_thread=True)
    def update_rule(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], rule_id: FromPath[int], data: Form
    ) -> Response:
        form = {name: text(data, name, 20) for name in RULE_FORM_FIELDS}
        work = lambda a: a.update_rule(self.rule_of(a, label, rule_id), _rule_values(form))  # noqa: E731
        return self.counter_change(ctx, request, admin, label, data, form, rule_id, work, "rule_saved")

    @post("/loket/{label:str}/aturan/{rule_id:int}/hapus", sync_to_thread=True)
    def remove_rule(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], rule_id: FromPath[int], data: Form
    ) -> Response:
        work = lambda a: a.remove_rule(self.rule_of(a, label, rule_id))  # noqa: E731
        return self.counter_change(ctx, request, admin, label, data, {}, f"remove-{rule_id}", work, "rule_removed")

    @post("/loket/{label:str}/nama", sync_to_thread=True)
    def rename_counter(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], data: Form
    ) -> Response:
        form = {"label": text(data, "label", 100)}
        return self.change(
            ctx, request, admin, lambda a: a.update_counter(label, form).label,
            done=lambda renamed: url_with(f"/admin/loket/{quote(renamed)}", done="counter_renamed"),
            again=lambda errors, alert, status: self.counter_page(
                ctx, request, admin, label, form=form, editing="rename", errors=errors, alert=alert, status=status
            ),
        )  # fmt: skip

    @post("/loket/{label:str}/hapus", sync_to_thread=True)
    def remove_counter(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, label: FromPath[str], data: Form
    ) -> Response:
        """Close a counter down: the bookings it would cancel are listed first, as for fewer hours."""

        def page(errors=None, alert=None, status=409, affected=None):
            return self.counter_page(
                ctx, request, admin, label, form={}, editing="remove", errors=errors, alert=alert, status=status,
                affected=affected, confirm_action=request.url.path,
            )  # fmt: skip

        return self.change(
            ctx, request, admin, lambda a: a.remove_counter(label), force=confirmed(data),
            confirm=lambda affected: page(affected=affected),
            done=lambda _: url_with("/admin/loket", done="counter_removed", name=label), again=page,
        )  # fmt: skip

    @staticmethod
    def rule_of(a: Admin, label: str, rule_id: int) -> int:
        """A rule of this counter (of the admin's site): another's is not found."""
        if a.rule(rule_id).counter.label != a.counter(label).label:
            raise NotFound(what="rule")
        return rule_id

    def counter_change(self, ctx, request, admin, label, data, form, editing, work, done):
        """A change on a counter's page: saved, or refused by field, or (bookings in the way) the list of
        them to confirm, the same form posted again with ``confirm``."""

        def page(errors=None, alert=None, status=409, affected=None):
            return self.counter_page(
                ctx, request, admin, label, form=form, editing=editing, errors=errors, alert=alert, status=status,
                affected=affected, confirm_action=request.url.path,
            )  # fmt: skip

        return self.change(
            ctx, request, admin, work, force=confirmed(data), confirm=lambda affected: page(affected=affected),
            done=lambda _: url_with(f"/admin/loket/{quote(label)}", done=done), again=page,
        )  # fmt: skip

    def counters_page(self, ctx, request, admin, *, form, errors=None, alert=None, notice=None, status=200):
        def view(a: Admin):
            words = Words(page_language(request))
            agencies = a.agencies()
            by_agency = {agency.id: [] for agency in agencies}
            for counter in a.counters():
                by_agency[counter.agency_id].append((counter, readable_week(counter.rules, words)))
            return {
                "agencies": [(agency, by_agency[agency.id]) for agency in agencies],
                "services_of": {agency.id: [s for s in a.services(agency.slug) if s.active] for agency in agencies},
            }

        return self.page(
            ctx, request, admin, "admin/counters.html", view, status=status,
            form={"services": []} | form, errors=errors or {}, alert=alert, notice=notice,
        )  # fmt: skip

    def counter_page(
        self, ctx, request, admin, label, *, form=None, editing=None, errors=None, alert=None, notice=None,
        status=200, affected=None, confirm_action=None,
    ):  # fmt: skip
        def view(a: Admin):
            words = Words(page_language(request))
            counter = a.counter(label)
            agency = a.session.get(Agency, counter.agency_id)
            rules = sorted(counter.rules, key=lambda r: (r.weekday, r.opens_at, r.valid_from or dt.date.min))
            return {
                "counter": counter,
                "agency": agency,
                "services": a.services(agency.slug),
                "served": {service.code for service in counter.services},
                "week": readable_week(rules, words),
                "rules": [(rule, _rule_form(rule), rule_summary(rule, words)) for rule in rules],
                "weekdays": [(number, day_name(number, words)) for number in range(7)],
            }

        return self.page(
            ctx, request, admin, "admin/counter.html", view, status=status, form=form or {}, editing=editing,
            errors=errors or {}, alert=alert, notice=notice, affected=affected, confirm_action=confirm_action,
        )  # fmt: skip

    # agencies and services: edit, add, retire (kept with their history)

    @get("/layanan", sync_to_thread=True)
    def services(
        self, ctx: Ctx, request: Request, admin: SiteAdmin, done: DoneParam = None, name: NameParam = None
    ) -> Response:
        return self.services_page(ctx, request, admin, notice=self.done(request, done, name))

    @post("/layanan", sync_to_thread=True)
    def create_service(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form = {name: text(data, name, 3000) for name in ("agency", "code", *SERVICE_FORM_FIELDS)}
        values = {**_service_values(form), "agency": form["agency"], "code": form["code"]}
        return self.services_change(
            ctx, request, admin, data, form, "new", lambda a: a.create_service(values).code, "service_created"
        )

    @get("/layanan/{code:str}", sync_to_thread=True)
    def service(self, ctx: Ctx, request: Request, admin: SiteAdmin, code: FromPath[str]) -> Response:
        return self.service_page(ctx, request, admin, editing=code)

    def service_page(self, ctx, request, admin, *, editing, form=None, errors=None, alert=None, status=200, **_):
        def view(a: Admin):
            service = a.service(editing)
            return {"service": service, "form": form or _service_form(service)}

        return self.page(
            ctx, request, admin, "admin/service.html", view, status=status, errors=errors or {}, alert=alert
        )

    @post("/layanan/{code:str}", sync_to_thread=True)
    def update_service(self, ctx: Ctx, request: Request, admin: SiteAdmin, code: FromPath[str], data: Form) -> Response:
        form = {name: text(data, name, 3000) for name in (*SERVICE_FORM_FIELDS, "active")}
        if form["active"]:
            form = {"active": form["active"]}  # the retire / offer-again button
            values, done = (
                {"active": form["active"] == "1"},
                "service_restored" if form["active"] == "1" else "service_retired",
            )
        else:
            values, done = _service_values(form), "service_saved"
        work = lambda a: a.update_service(code, values).code  # noqa: E731
        return self.services_change(ctx, request, admin, data, form, code, work, done)

    @post("/instansi", sync_to_thread=True)
    def create_agency(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form = {name: text(data, name, 200) for name in ("slug", "agency_name", "ticket_prefix")}
        values = {"slug": form["slug"], "name": form["agency_name"], "ticket_prefix": form["ticket_prefix"] or None}
        return self.change(
            ctx, request, admin, lambda a: a.create_agency(values).name,
            done=lambda name: url_with("/admin/layanan", done="agency_created", name=name),
            again=lambda errors, alert, status: self.services_page(
                ctx, request, admin, form=form, editing="new-agency", errors=_on_form(errors, {"name": "agency_name"}),
                alert=alert, status=status,
            ),
        )  # fmt: skip

    @post("/instansi/{slug:str}", sync_to_thread=True)
    def update_agency(self, ctx: Ctx, request: Request, admin: SiteAdmin, slug: FromPath[str], data: Form) -> Response:
        active = text(data, "active") == "1"
        done = "agency_restored" if active else "agency_retired"
        work = lambda a: a.update_agency(slug, {"active": active}).name  # noqa: E731
        return self.services_change(ctx, request, admin, data, {"active": "1" if active else "0"}, slug, work, done)

    def services_change(self, ctx, request, admin, data, form, editing, work, done):
        """A change on the services' pages: saved, refused by field, or the bookings in the way to confirm."""

        def page(errors=None, alert=None, status=409, affected=None):
            show = self.service_page if form.get("name") is not None and editing != "new" else self.services_page
            return show(
                ctx, request, admin, form=form, editing=editing, errors=errors, alert=alert, status=status,
                affected=affected, confirm_action=request.url.path,
            )  # fmt: skip

        return self.change(
            ctx, request, admin, work, force=confirmed(data), confirm=lambda affected: page(affected=affected),
            done=lambda name: url_with("/admin/layanan", done=done, name=name), again=page,
        )  # fmt: skip

    def services_page(
        self, ctx, request, admin, *, form=None, editing=None, errors=None, alert=None, notice=None, status=200,
        affected=None, confirm_action=None,
    ):  # fmt: skip
        def view(a: Admin):
            agencies = a.agencies()
            services = a.services()
            return {
                "agencies": [
                    (agency, [(s, _service_form(s)) for s in services if s.agency_id == agency.id])
                    for agency in agencies
                ],
            }

        return self.page(
            ctx, request, admin, "admin/services.html", view, status=status, form=form or {}, editing=editing,
            errors=errors or {}, alert=alert, notice=notice, affected=affected, confirm_action=confirm_action,
        )  # fmt: skip

    # the site's settings, its channels among them

    @get("/pengaturan", sync_to_thread=True)
    def settings(self, ctx: Ctx, request: Request, admin: SiteAdmin, done: DoneParam = None) -> Response:
        return self.settings_page(ctx, request, admin, notice=self.done(request, done, None))

    @post("/pengaturan", sync_to_thread=True)
    def update_settings(self, ctx: Ctx, request: Request, admin: SiteAdmin, data: Form) -> Response:
        form: dict[str, Any] = {name: text(data, name) for name in SITE_FORM_FIELDS}
        form["channels"] = _list(data, "channels")
        values = {name: _setting(name, form[name]) for name in SITE_FORM_FIELDS}
        values = {name: value for name, value in values.items() if value is not KEEP} | {"channels": form["channels"]}
        return self.change(
            ctx, request, admin, lambda a: a.update_site(values),
            done=lambda _: url_with("/admin/pengaturan", done="settings_saved"),
            again=lambda errors, alert, status: self.settings_page(
                ctx, request, admin, form=form, errors=errors, alert=alert, status=status
            ),
        )  # fmt: skip

    def settings_page(self, ctx, request, admin, *, form=None, errors=None, alert=None, notice=None, status=200):
        def view(a: Admin):
            shown = {name: _shown(getattr(a.site, name)) for name in SITE_FORM_FIELDS}
            return {"form": (form or shown | {"channels": list(a.site.channels)})}

        return self.page(
            ctx, request, admin, "admin/settings.html", view, status=status, errors=errors or {}, alert=alert,
            notice=notice, fields=SITE_SECTIONS, all_channels=ALL_CHANNELS,
            not_ready=ctx.settings.channels_not_ready(),
        )  # fmt: skip

    # the audit log: who did what, when

    @get("/audit", sync_to_thread=True)
    def audit_log(
        self,
        ctx: Ctx,
        request: Request,
        admin: SiteAdmin,
        who: Annotated[str | None, QueryParameter(name="who", max_length=64)] = None,
        what: Annotated[str | None, QueryParameter(name="what", max_length=64)] = None,
        day: Annotated[str | None, QueryParameter(name="date", max_length=20)] = None,
        before_id: Annotated[int | None, QueryParameter(name="before_id", ge=1, le=MAX_ROW_ID)] = None,
    ) -> Response:
        language = page_language(request)
        errors: dict[str, str] = {}
        try:
            on = parse_date("date", day)
        except InvalidInput as invalid:
            on, errors = None, field_errors(invalid, language)

        def view(a: Admin):
            zone = ZoneInfo(a.site.timezone)
            since, until = audit.day_bounds(on, a.site.timezone) if on else (None, None)
            entries = audit.entries(
                a.session, a.site.id, since=since, until=until, actor=who, action=what, limit=AUDIT_PAGE,
                before_id=before_id,
            )  # fmt: skip
            older = None
            if len(entries) == AUDIT_PAGE:
                older = url_with("/admin/audit", who=who or None, what=what or None, date=day or None,
                                 before_id=entries[-1].id)  # fmt: skip
            return {"entries": [(entry, entry.at.astimezone(zone)) for entry in entries], "older": older}

        return self.page(
            ctx, request, admin, "admin/audit.html", view, status=422 if errors else 200, errors=errors,
            form={"who": who or "", "what": what or "", "date": day or ""},
        )  # fmt: skip

    # what every admin page shares

    @staticmethod
    def done(request: Request, done: str | None, name: str | None) -> str | None:
        """The notice after a change (POST-redirect-GET carries its key)."""
        words = Words(page_language(request))
        key = f"done_{done}"
        return words(key, name=name or "") if done and key in WORDS else None

    @staticmethod
    def page(ctx, request, admin, template: str, view: Callable[[Admin], dict], *, status=200, **context) -> Response:
        with ctx.db.read() as session:
            work = Admin(session, admin, now=ctx.clock())
            return render(
                request, template, status_code=status, clerk=admin, site=work.site, navigation=NAVIGATION,
                here=request.url.path, **view(work), **context,
            )  # fmt: skip

    @classmethod
    def change(
        cls,
        ctx,
        request,
        admin: Principal,
        work: Callable[[Admin], Any],
        *,
        done: Callable[[Any], str],
        again: Callable[[dict, str | None, int], Response],
        force: bool = False,
        confirm: Callable[[list[dict]], Response] | None = None,
    ) -> Response:
        """Run one change as the admin, in one transaction; on success back to a page (POST-redirect-GET),
        else the form again with the errors by field (422) or the refusal's sentence (409). With ``confirm``,
        a change that would cancel bookings shows them first (``confirm(rows)``); the admin's confirmation
        posts the same form again with ``confirm=1``, which is ``force``."""

        def run(session: Session):
            return work(Admin(session, admin, now=ctx.clock(), force=force))

        try:
            answer = ctx.db.transaction(run)
        except PASSED_ON:
            raise
        except InvalidInput as invalid:
            errors = field_errors(invalid, page_language(request))
            return again(
                {re.sub(r"\[\d+\]$", "", name): message for name, message in reversed(errors.items())}, None, 422
            )
        except BookingsAffected as refusal:
            if confirm is not None:
                return confirm(cls.affected(request, refusal))
            return again({}, problem_detail(refusal, page_language(request)), 409)
        except DomainError as refusal:
            return again({}, problem_detail(refusal, page_language(request)), 409)
        return redirect(request, done(answer))
