"""The admin pages under ``/admin``: the site's settings, agencies and services, counters and their opening
hours, closures, staff accounts and the audit log, for the site's admin.

Thin like the admin API: every form calls the same domain functions (``booking.admin.Admin``,
``booking.staff``), in one transaction, so a refused change leaves nothing half-saved and each rule is
written once. The sign-in is the staff pages' (its cookie is sent to /staff and /admin); a clerk on any
admin page gets 403, and another site's row is not found (404). Forms keep what was typed and show each
error by its field, in the API's words. Nothing here needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy.orm import Session

from booking import staff
from booking.admin import Admin
from booking.errors import Busy, DomainError, Forbidden, InvalidInput, NotFound
from booking.http.auth import TokenIssuer
from booking.http.context import Context
from booking.http.problems import problem_detail
from booking.models import StaffRole
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

    @staticmethod
    def change(
        ctx,
        request,
        admin: Principal,
        work: Callable[[Admin], Any],
        *,
        done: Callable[[Any], str],
        again: Callable[[dict, str | None, int], Response],
        force: bool = False,
        refused: Callable[[DomainError], Response | None] | None = None,
    ) -> Response:
        """Run one change as the admin, in one transaction; on success back to a page (POST-redirect-GET),
        else the form again with the errors by field (422) or the refusal's sentence (409)."""

        def run(session: Session):
            return work(Admin(session, admin, now=ctx.clock(), force=force))

        try:
            answer = ctx.db.transaction(run)
        except PASSED_ON:
            raise
        except InvalidInput as invalid:
            return again(field_errors(invalid, page_language(request)), None, 422)
        except DomainError as refusal:
            shown = refused(refusal) if refused else None
            return shown or again({}, problem_detail(refusal, page_language(request)), 409)
        ctx.wake_up()  # forced cancellations planned notices
        return redirect(request, done(answer))
