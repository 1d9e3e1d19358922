"""Server-rendered pages (Jinja): the citizen's pages now, staff pages next to them later.

``create_app`` needs only ``WebPages``: its route handlers and its template config. A staff module adds
its controller to ``web_pages`` in a ``page_router`` of its own (``booking.web.base``), which brings CSRF,
the security headers, the language switch and HTML error pages with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Router
from litestar.template import TemplateConfig

from booking.settings import Settings
from booking.web.admin import AdminPages
from booking.web.assisted import AssistedBookingPages
from booking.web.base import page_router, static_router, template_config
from booking.web.citizen import CitizenPages
from booking.web.display import DisplayPages
from booking.web.kiosk import KioskPages
from booking.web.queue_desk import QueueDesk
from booking.web.reports import AdminReportPages, ReportPages
from booking.web.staff import StaffPages, StaffSignIn
from booking.web.survey import AdminReportAlias, SkmReportPages, SurveyPages
from booking.web.visit import VisitPages
from booking.web.waitlist import WaitlistPages


@dataclass(frozen=True)
class WebPages:
    routers: list[Router]
    template_config: TemplateConfig


def web_pages(settings: Settings) -> WebPages:
    return WebPages(
        routers=[
            page_router(settings, path="/", route_handlers=[CitizenPages]),
            page_router(settings, path="/", route_handlers=[KioskPages, SurveyPages, WaitlistPages, VisitPages]),
            page_router(
                settings,
                path="/",
                route_handlers=[
                    StaffSignIn,
                    StaffPages,
                    AssistedBookingPages,  # issue 16: booking on a citizen's behalf
                    QueueDesk,
                    SkmReportPages,
                    AdminReportAlias,
                ],
            ),
            page_router(settings, path="/", route_handlers=[DisplayPages]),  # the hall's TV
            page_router(settings, path="/", route_handlers=[ReportPages, AdminReportPages]),  # issue 14's reports
            page_router(settings, path="/", route_handlers=[AdminPages]),  # the site's admin
            static_router(),
        ],
        template_config=template_config(),
    )
