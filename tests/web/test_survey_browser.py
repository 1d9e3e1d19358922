"""A citizen answers the satisfaction survey on a 360 px phone in a real browser (Debian's Chromium), on a
server in this process whose clock the test holds: sent with nothing chosen, the page says so by each
question; answered, it thanks them; sent again, it changes nothing. axe-core finds no serious or critical
problem on the survey (empty, with its errors, answered), the done ticket's page that offers it, and the SKM
report an admin prints; nothing scrolls sideways at 360 px and the survey's first visit stays under 60 KB."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking, display_code
from booking.db import Database
from booking.http.app import create_app
from booking.migrate import upgrade
from booking.models import Site, Survey, SurveyAnswer
from booking.settings import Settings
from booking.survey import survey_path, survey_token
from tests.factories import MONDAY_MORNING, PASSWORD, FixedClock, at, make_site, make_staff, nik
from tests.inprocess_server import serving
from tests.queue.conftest import TODAY, local
from tests.web.conftest import AXE_SOURCE, serious_violations, shot
from tests.web.test_queue_browser import PAGE_BUDGET_BYTES, PHONE, weight

pytestmark = pytest.mark.slow
SECRET = "s"
TIMEOUT_S = 60


@pytest.fixture
def served(tmp_path):
    """A server on a clock held at 09.00; a citizen booked for 09.00 (no messages) has come, been called and
    served."""
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "kepala", role="admin")
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        request = BookingRequest(  # no messages: the ticket's page is where the survey is offered
            service="KTP",
            start=at(TODAY, 9),
            nik=nik(1),
            name="Siti Aminah",
            phone="081234567890",
            channels=(),
            no_messages=True,
        )
        made = create_booking(session, site, request, now=MONDAY_MORNING - dt.timedelta(hours=12), secret_key=SECRET)
        code = display_code(made.booking.code)
    settings = Settings(
        data_dir=tmp_path / "data", database_url=url, secret_key=SECRET, rate_limit_per_minute=0,
        public_url="http://antrian.test",
    )  # fmt: skip
    with serving(create_app(settings, db=db, clock=FixedClock(local(9)))) as base:
        with httpx.Client(base_url=base, timeout=TIMEOUT_S) as api:
            assert api.post("/api/v1/sites/uji/arrivals", json={"code": code}).status_code == 201
            login = api.post("/api/v1/auth/token", json={"username": "ani", "password": PASSWORD})
            clerk = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert api.post("/api/v1/staff/counters/Loket 1/call-next", headers=clerk).status_code == 200
            assert api.post("/api/v1/staff/tickets/A-001/done", headers=clerk).status_code == 200
        with db.read() as session:
            public_id = session.scalar(select(Survey.public_id))
        yield base, db, survey_path("uji", survey_token(SECRET, public_id))
    db.dispose()


def test_a_citizen_answers_the_survey_on_a_phone(chromium, served):
    base, db, path = served
    axe = AXE_SOURCE.read_text()
    found = {}

    def check(page, name: str) -> None:
        if serious := serious_violations(page, axe):
            found[name] = serious

    # bypass_csp only so that the test can inject axe-core; the pages themselves run no script
    phone_context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    phone = phone_context.new_page()

    # the done ticket's page offers the survey (its link names the public address, its QR code the same)
    phone.goto(f"{base}/t/uji/A-001")
    expect(phone.get_by_test_id("ticket-survey")).to_have_attribute("href", "http://antrian.test" + path)
    check(phone, "ticket")
    phone.goto(base + path)
    expect(phone.get_by_role("heading", name="Survei Kepuasan Masyarakat")).to_be_visible()
    shot(phone, "survey-1-phone")
    scroll_width, client_width = phone.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width == 360
    check(phone, "survey")

    # sent with nothing chosen: each question says so, the comment stays, and nothing is recorded
    phone.get_by_label("Saran atau komentar (tidak wajib)").fill("Ruang tunggu nyaman")
    phone.get_by_role("button", name="Kirim jawaban").click()
    expect(phone.get_by_role("alert")).to_have_text("Periksa jawaban yang ditandai di bawah.")
    expect(phone.locator(".field-error")).to_have_count(9)
    expect(phone.get_by_label("Saran atau komentar (tidak wajib)")).to_have_value("Ruang tunggu nyaman")
    shot(phone, "survey-2-errors")
    check(phone, "survey with errors")

    choices = ["Sangat sesuai", "Mudah", "Cepat", "Gratis", "Sesuai", "Kompeten", "Sangat sopan dan ramah",
               "Dikelola dengan baik", "Baik"]  # fmt: skip
    for number, choice in enumerate(choices, start=1):
        group = phone.get_by_role("group", name=f"Unsur {number} dari 9")
        group.get_by_label(choice, exact=True).check()
    phone.get_by_role("button", name="Kirim jawaban").click()
    expect(phone.get_by_test_id("survey-thanks")).to_have_text("Terima kasih. Jawaban Anda sudah kami terima.")
    shot(phone, "survey-3-thanks")
    check(phone, "thanks")
    with db.read() as session:
        [kept] = session.scalars(select(SurveyAnswer)).all()
    assert [getattr(kept, f"u{n}") for n in range(1, 10)] == [4, 3, 3, 4, 3, 3, 4, 4, 3]
    assert kept.comment == "Ruang tunggu nyaman"
    phone.goto(base + "/s/uji/survei/" + "A" * 38)
    check(phone, "unknown survey")
    phone_context.close()
    assert weight(chromium, base + path) < PAGE_BUDGET_BYTES

    # the admin's SKM report, as it is printed
    desk = chromium.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    page = desk.new_page()
    page.goto(f"{base}/staff/login")
    page.get_by_label("Nama pengguna").fill("kepala")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/staff")
    page.goto(f"{base}/admin/laporan/skm")
    expect(page.get_by_test_id("skm-respondents")).to_have_text("1")
    expect(page.get_by_test_id("skm-score")).to_have_text("86,11")  # 31 / 9 x 25 = 86.111...
    expect(page.get_by_test_id("skm-grade")).to_have_text("B (Baik)")
    shot(page, "survey-4-skm-report")
    check(page, "skm report")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()  # the paper has the report, not the form
    desk.close()
    assert found == {}
