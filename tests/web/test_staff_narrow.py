"""The staff pages on a clerk's phone (360 x 740 CSS pixels, Debian's Chromium), and the admin pages on that
phone and on a tablet (768 x 1024): the page never scrolls sideways, every control can be reached and tapped
(at least 44 x 44 px), and axe-core finds no serious problem. Screenshots go to test-artifacts/screenshots/.

The server runs in the test's process on a clock the test holds (07.00 on the bookings' day in Blora), so
the schedule is today's, with its buttons, and the walk-in form offers the same slots at any hour the suite
runs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Site
from booking.settings import Settings
from tests.factories import MONDAY_MORNING, PASSWORD, TOMORROW, FixedClock, add_agency, at, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.web.conftest import AXE_SOURCE, serious_violations, shot

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
DAY = TOMORROW.isoformat()  # the bookings' day, named in the address too
SECRET_KEY = "staff-narrow-secret"
SMALLEST_TARGET = 44

# What a thumb cannot reach or can miss: visible links, buttons and form controls past the screen's right
# edge (hidden in something that scrolls sideways) or smaller than 44 x 44 px.
OUT_OF_REACH = """(smallest) => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select')]
    .map(element => ({element, box: element.getBoundingClientRect()}))
    .filter(({element, box}) => box.width > 0 && box.right > 0 && getComputedStyle(element).visibility !== 'hidden')
    .filter(({box}) => box.width < smallest || box.height < smallest || box.right > window.innerWidth)
    .map(({element, box}) => `${element.tagName.toLowerCase()} "${(element.innerText || element.name || '').trim()}"`
        + ` ${Math.round(box.width)}x${Math.round(box.height)} at ${Math.round(box.left)}`)"""
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A server whose site has a day of bookings with long service names, a second agency, a clerk and an admin."""
    folder = tmp_path_factory.mktemp("staff-narrow")
    url = f"sqlite:///{folder / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db)
    add_agency(db, "uji", slug="bpjs-ketenagakerjaan", service="BTK", counter="Loket 9")
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "kepala", role="admin")
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        for n, (hour, minute) in enumerate(((8, 0), (8, 30), (9, 0), (11, 30)), start=1):
            request = BookingRequest(
                service="KK" if n % 2 else "KTP", start=at(TOMORROW, hour, minute), nik=nik(n),
                name="Siti Aminah Binti Sulaiman", phone="081234567890", channels=("sms", "whatsapp"),
            )  # fmt: skip
            create_booking(session, site, request, now=MONDAY_MORNING, secret_key=SECRET_KEY)
    clock = FixedClock(MONDAY_MORNING + dt.timedelta(days=1))  # 07.00 on the bookings' day

    def app(base_url: str):
        settings = Settings(
            data_dir=folder / "data", database_url=url, secret_key=SECRET_KEY, rate_limit_per_minute=0,
            public_url=base_url,
        )  # fmt: skip
        return create_app(settings, db=db, clock=clock)

    with serving(make_app=app) as base_url:
        yield base_url
    db.dispose()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/staff/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base_url}/staff")


@pytest.mark.parametrize("username", ["ani", "kepala"])
def test_the_staff_pages_fit_a_360_px_phone_with_tappable_controls(chromium, desk, username):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems = {}
    page.goto(f"{desk}/staff/login")
    day = f"date={DAY}&agency=dukcapil"  # the agency with the day's bookings (an admin's first is another)
    pages = {
        "login": None,
        "schedule": f"/staff?{day}",
        "walk-in": "/staff/walk-in",
        "print": f"/staff/print?{day}",
        "queue": "/staff/antrian?loket=Loket+1",
        "assisted": f"/staff/pesan?service=KTP&date={DAY}",  # booking for a citizen: times and the form
    }
    for name, path in pages.items():
        if path is not None:
            page.goto(desk + path)
        if trouble := out_of_reach(page):
            problems[name] = trouble
        shot(page, f"staff-360-{username}-{name}")
        if name == "login":
            sign_in(page, desk, username)
    cookies = context.cookies()
    context.close()
    assert problems == {}
    assert axe_findings(chromium, PHONE, cookies, desk, [path or "/staff/login" for path in pages.values()]) == {}


ADMIN_PAGES = (
    "/admin", "/admin/pengaturan", "/admin/layanan", "/admin/layanan/KTP", "/admin/loket",
    "/admin/loket/Loket%201", "/admin/penutupan", "/admin/akun", "/admin/akun/ani", "/admin/audit",
)  # fmt: skip


@pytest.mark.parametrize("screen", [PHONE, TABLET], ids=["phone-360", "tablet-768"])
def test_the_admin_pages_fit_a_phone_and_a_tablet_with_tappable_controls(chromium, desk, screen):
    context = chromium.new_context(viewport=screen, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{desk}/staff/login")
    sign_in(page, desk, "kepala")
    problems = {}
    for path in ADMIN_PAGES:
        page.goto(desk + path)
        assert page.url == desk + path, f"{path} led to {page.url}"  # the admin's page itself, not sign-in
        if trouble := out_of_reach(page):
            problems[path] = trouble
        shot(page, f"admin-{screen['width']}{path.replace('/', '-').replace('%20', '-')}")
    cookies = context.cookies()
    context.close()
    assert problems == {}
    assert axe_findings(chromium, screen, cookies, desk, ADMIN_PAGES) == {}


def out_of_reach(page) -> dict:
    """What on the open page scrolls sideways or cannot be tapped; empty when all is well."""
    scroll_width, client_width = page.evaluate(SIDEWAYS)
    small = page.evaluate(OUT_OF_REACH, SMALLEST_TARGET)
    if scroll_width > client_width or small:
        return {"page width": scroll_width, "screen width": client_width, "out of reach": small}
    return {}


def axe_findings(chromium, screen, cookies, base_url: str, paths) -> dict:
    """axe-core's serious and critical findings on each page, by path (signed in with ``cookies``)."""
    checked = chromium.new_context(viewport=screen, bypass_csp=True)  # only so the test can inject axe-core
    checked.add_cookies(cookies)
    page, axe = checked.new_page(), AXE_SOURCE.read_text()
    found = {}
    for path in paths:
        page.goto(base_url + path)
        if serious := serious_violations(page, axe):
            found[path] = serious
    checked.close()
    return found
