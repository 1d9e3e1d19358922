"""The staff pages under ``/staff``: sign in, the day's schedule per counter with check-in / serve /
no-show buttons, check-in by code or scanned QR, walk-ins, and a printable view.

Thin like the API: ``booking.counter_work`` decides. The token the API gives at login is kept in an
HttpOnly, SameSite=Strict cookie scoped to /staff; every form carries a CSRF token (the page router's).
Nothing here needs JavaScript: each button is a small form, answered with a redirect back to the list.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from sqlalchemy import select

from booking import catalogue, counter_work, lifecycle
from booking.assisted import booked_by_name
from booking.availability import site_today
from booking.bookings import WalkInRequest, display_code
from booking.citizens import shown_citizen
from booking.errors import DomainError, InvalidInput
from booking.http.auth import TokenIssuer, issue_token, principal_of_cookie
from booking.http.context import Context
from booking.http.params import parse_date
from booking.http.problems import problem_detail
from booking.messages import FIELD_ERRORS
from booking.models import Agency, BookingStatus, Site
from booking.staff import Principal, require_staff, sign_out_everywhere
from booking.web.base import page_language, redirect, render, url_with
from booking.web.words import Words

STAFF_COOKIE = "antrian_staff"
# The one sign-in serves the staff pages and the admin pages: the cookie is sent to both, and nowhere else.
SIGNED_IN_PATHS = ("/staff", "/admin")
NextParam = Annotated[str | None, QueryParameter(name="next", max_length=200)]
ACTIONS = ("check_in", "serve", "no_show")
Ctx = NamedDependency[Context]
Tokens = NamedDependency[TokenIssuer]
Clerk = NamedDependency[Principal]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DayParam = Annotated[str | None, QueryParameter(name="date", max_length=20)]
AgencyParam = Annotated[str | None, QueryParameter(name="agency", max_length=64)]
DoneParam = Annotated[str | None, QueryParameter(name="done", max_length=20)]
CodeParam = Annotated[str | None, QueryParameter(name="code", max_length=20)]


class NotSignedIn(Exception):
    """No valid staff cookie: the page sends the clerk to the sign-in form."""


def signed_in_clerk(ctx: Ctx, tokens: Tokens, request: Request) -> Principal:
    principal = principal_of_cookie(ctx, tokens, request.cookies.get(STAFF_COOKIE))
    if principal is None:
        raise NotSignedIn()
    require_staff(principal)  # a partner account books through the API only: 403 on every staff and admin page
    return principal


def to_sign_in(request: Request, _error: NotSignedIn) -> Response:
    return redirect(request, "/staff/login")


def back_after_sign_in(path: object) -> str:
    """Where sign-in leads: a staff or admin page the clerk asked for (never another site), else /staff."""
    text = str(path or "")
    if any(text == root or text.startswith(root + "/") or text.startswith(root + "?") for root in SIGNED_IN_PATHS):
        return text if text.isprintable() and " " not in text and "//" not in text and "\\" not in text else "/staff"
    return "/staff"


def signed_in_cookies(value: str, max_age: int, secure: bool) -> list[Cookie]:
    return [
        Cookie(
            key=STAFF_COOKIE, value=value, max_age=max_age, path=path, httponly=True, samesite="strict", secure=secure
        )
        for path in SIGNED_IN_PATHS
    ]


class StaffSignIn(Controller):
    path = "/staff"

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request, next_page: NextParam = None) -> Response:
        return render(request, "staff/login.html", message=None, username="", next=back_after_sign_in(next_page))

    @post("/login", sync_to_thread=True)
    def login(self, ctx: Ctx, tokens: Tokens, request: Request, data: Form) -> Response:
        username, password = str(data.get("username", ""))[:64], str(data.get("password", ""))[:200]
        after = back_after_sign_in(data.get("next"))
        try:
            answer = issue_token(ctx, tokens, username, password)
        except DomainError as refused:
            status = 429 if refused.code == "rate_limited" else 401
            message = problem_detail(refused, page_language(request))
            return render(
                request, "staff/login.html", status_code=status, message=message, username=username, next=after
            )
        page = redirect(request, after)
        secure = ctx.settings.resolved_public_url.startswith("https://")
        page.cookies.extend(signed_in_cookies(answer.access_token, answer.expires_in, secure))
        return page

    @post("/logout", sync_to_thread=True)
    def logout(self, ctx: Ctx, tokens: Tokens, request: Request) -> Response:
        clerk = principal_of_cookie(ctx, tokens, request.cookies.get(STAFF_COOKIE))
        if clerk is not None:  # a copy of the token must not outlive the sign-out
            with ctx.db.write() as session:
                sign_out_everywhere(session, clerk.user_id)
        page = redirect(request, "/staff/login")
        page.cookies.extend(signed_in_cookies("", 0, False))
        return page


class StaffPages(Controller):
    path = "/staff"
    dependencies = {"clerk": Provide(signed_in_clerk, sync_to_thread=True)}
    exception_handlers = {NotSignedIn: to_sign_in}

    @get("/", sync_to_thread=True)
    def schedule(
        self,
        ctx: Ctx,
        request: Request,
        clerk: Clerk,
        day: DayParam = None,
        agency: AgencyParam = None,
        done: DoneParam = None,
        code: CodeParam = None,
    ) -> Response:
        notice = None
        if done in (*ACTIONS, "walk_in") and code:
            notice = Words(page_language(request))(f"done_{done}", code=code)
        return self._schedule_page(ctx, request, clerk, day, agency, notice=notice)

    @get("/print", sync_to_thread=True)
    def printable(
        self, ctx: Ctx, request: Request, clerk: Clerk, day: DayParam = None, agency: AgencyParam = None
    ) -> Response:
        return self._schedule_page(ctx, request, clerk, day, agency, template="staff/print.html")

    @post("/bookings/{code:str}/{action:str}", sync_to_thread=True)
    def act(
        self, ctx: Ctx, request: Request, clerk: Clerk, code: FromPath[str], action: FromPath[str], data: Form
    ) -> Response:
        step = action.replace("-", "_")
        if step not in ACTIONS:
            return self._schedule_page(ctx, request, clerk, None, None, status=404)
        return self._advance(ctx, request, clerk, code, step, data)

    @post("/check-in", sync_to_thread=True)
    def check_in_scanned(self, ctx: Ctx, request: Request, clerk: Clerk, data: Form) -> Response:
        return self._advance(ctx, request, clerk, str(data.get("scan", ""))[:500], "check_in", data)

    @get("/walk-in", sync_to_thread=True)
    def walk_in_form(self, ctx: Ctx, request: Request, clerk: Clerk, agency: AgencyParam = None) -> Response:
        return self._walk_in_page(ctx, request, clerk, agency, form={}, errors={})

    @post("/walk-in", sync_to_thread=True)
    def walk_in(self, ctx: Ctx, request: Request, clerk: Clerk, data: Form) -> Response:
        form = {key: str(data.get(key, ""))[:100] for key in ("service", "nik", "name", "phone", "agency")}
        walk_in = WalkInRequest(service=form["service"], nik=form["nik"], name=form["name"], phone=form["phone"])

        def work(session):
            site = session.get(Site, clerk.site_id)
            booking = counter_work.walk_in(
                session, clerk, site, walk_in, now=ctx.clock(), secret_key=ctx.settings.resolved_secret_key
            )
            return display_code(booking.code), booking.local_date, booking.service.agency.slug

        try:
            code, day, agency = ctx.db.transaction(work)
        except InvalidInput as invalid:
            language = page_language(request)
            errors = {
                error.field: FIELD_ERRORS.get(error.code, FIELD_ERRORS["value_invalid"])(language, **error.params)
                for error in invalid.errors
            }
            return self._walk_in_page(ctx, request, clerk, form["agency"] or None, form=form, errors=errors, status=422)
        except DomainError as refused:
            message = problem_detail(refused, page_language(request))
            return self._walk_in_page(
                ctx, request, clerk, form["agency"] or None, form=form, errors={}, message=message, status=409
            )
        return redirect(request, url_with("/staff", date=day.isoformat(), agency=agency, done="walk_in", code=code))

    def _advance(self, ctx, request, clerk, code: str, step: str, data: dict) -> Response:
        back = {"date": data.get("date") or None, "agency": data.get("agency") or None}

        def work(session):
            booking = counter_work.booking_for_staff(session, clerk, code)
            counter_work.advance(session, clerk, booking, step, now=ctx.clock())
            return display_code(booking.code)

        try:
            shown = ctx.db.transaction(work)
        except DomainError as refused:
            message = problem_detail(refused, page_language(request))
            status = {"not_found": 404, "forbidden": 403}.get(refused.code, 409)
            return self._schedule_page(ctx, request, clerk, back["date"], back["agency"], alert=message, status=status)
        return redirect(request, url_with("/staff", **back, done=step, code=shown))

    def _schedule_page(
        self, ctx, request, clerk, day_text, agency_slug, *, notice=None, alert=None, status=200,
        template="staff/schedule.html",
    ) -> Response:  # fmt: skip
        with ctx.db.write() as session:  # a write: a view of full names is audited
            site = session.get(Site, clerk.site_id)
            now = ctx.clock()
            try:
                day = parse_date("date", day_text) or site_today(site, now)
            except InvalidInput:
                day = site_today(site, now)
            agencies = self._agencies(session, clerk)
            chosen = agency_slug or (agencies[0].slug if clerk.is_admin and agencies else None)
            view = "print" if template == "staff/print.html" else "page"
            schedule = counter_work.day_schedule(session, clerk, site, chosen, day, now=now, view=view)
            zone = ZoneInfo(site.timezone)
            rows = [
                (
                    counter.label,
                    [
                        {
                            "code": display_code(row.booking.code),
                            "start": row.booking.starts_at.astimezone(zone),
                            "end": row.booking.ends_at.astimezone(zone),
                            "service": row.booking.service.name,
                            "citizen": shown_citizen(row.booking, full_name=schedule.full_names).name or "–",
                            "status": lifecycle.HELD if row.booking.held_until else row.booking.status,
                            "held_until": row.booking.held_until.astimezone(zone) if row.booking.held_until else None,
                            "walk_in": row.booking.walk_in,
                            "booked_by": booked_by_name(row.booking),
                            "notification": row.notification_status,
                            "can_check_in": row.booking.status == BookingStatus.confirmed
                            and not row.booking.held_until,
                            "can_no_show": row.booking.status == BookingStatus.confirmed
                            and not row.booking.held_until
                            and row.booking.starts_at <= now,
                            "can_serve": row.booking.status == BookingStatus.checked_in,
                        }
                        for row in counter.rows
                    ],
                )
                for counter in schedule.counters
            ]
            return render(
                request,
                template,
                status_code=status,
                clerk=clerk,
                site=site,
                agency=schedule.agency,
                agencies=agencies,
                day=day,
                counters=rows,
                notice=notice,
                alert=alert,
                zone=zone.key,
            )

    def _walk_in_page(self, ctx, request, clerk, agency_slug, *, form, errors, message=None, status=200):
        with ctx.db.read() as session:
            site = session.get(Site, clerk.site_id)
            agencies = self._agencies(session, clerk)
            if clerk.is_admin:
                agency = next((a for a in agencies if a.slug == agency_slug), agencies[0] if agencies else None)
            else:
                agency = agencies[0]
            services = catalogue.list_services(session, site, agency.slug) if agency else []
            return render(
                request,
                "staff/walk_in.html",
                status_code=status,
                clerk=clerk,
                site=site,
                agency=agency,
                agencies=agencies,
                services=services,
                form=form,
                errors=errors,
                message=message,
            )

    @staticmethod
    def _agencies(session, clerk: Principal) -> list[Agency]:
        """The agencies a clerk may choose from: their own, or every agency of an admin's site."""
        query = select(Agency).where(Agency.site_id == clerk.site_id).order_by(Agency.sort_order, Agency.slug)
        if not clerk.is_admin:
            query = query.where(Agency.id == clerk.agency_id)
        return list(session.scalars(query))
