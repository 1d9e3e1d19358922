"""Booking on a citizen's behalf from the staff pages without a browser (both databases): the clerk's form,
the answer with the code and manage link, refusals shown by the field with nothing taken, a double post that
books once, "dibuat oleh" on the schedule, and a partner account kept off every staff and admin page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from booking.models import Booking, Notification
from tests.factories import PASSWORD, TOMORROW, at, make_staff, nik
from tests.staff.test_admin_pages import post
from tests.staff.test_admin_pages import sign_in as admin_sign_in
from tests.staff.test_staff_pages import csrf_of, sign_in

PAGE = "/staff/pesan"


def _form(office, n: int, **fields) -> dict:
    token = csrf_of(office.client, f"{PAGE}?service=KTP&date={TOMORROW}")
    return {
        "_csrf_token": token,
        "service": "KTP",
        "date": str(TOMORROW),
        "start": at(TOMORROW, 9),
        "nik": nik(n),
        "name": "Warga Desa",
        "phone": "081234567890",
        "channels": "sms",
        "form_key": f"key-{n}",
        "privacy_notice": "",
        **fields,
    }


def _bookings(office) -> int:
    with office.db.read() as session:
        return session.scalar(select(func.count()).select_from(Booking))


def test_the_clerk_sees_the_days_free_times_for_their_agencys_services_only(office):
    sign_in(office.client)
    page = office.client.get(f"{PAGE}?service=KTP&date={TOMORROW}")
    assert page.status_code == 200
    assert at(TOMORROW, 9) in page.text and "sisa 4" in page.text  # two counters of two places
    assert "PKB" not in page.text  # samsat's service is not offered to a dukcapil clerk
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_clerk_books_and_gets_the_code_and_manage_link_to_hand_over(office):
    sign_in(office.client)
    done = office.client.post(PAGE, data=_form(office, 81))
    assert done.status_code == 200, done.text
    code = re.search(r'data-testid="booking-code">([A-Z0-9-]+)<', done.text).group(1)
    link = re.search(r'data-testid="manage-link">([^<]+)<', done.text).group(1)
    assert link.startswith(f"http://antrian.test/b/{code}?token=")
    assert "dibuat oleh ani" in done.text and "SMS" in done.text
    with office.db.read() as session:
        booking = session.scalar(select(Booking))
        assert booking.booked_by.username == "ani" and booking.citizen_name == "Warga Desa"
        kinds = set(session.scalars(select(Notification.kind).where(Notification.booking_id == booking.id)))
        assert "booking_confirmed" in kinds
    # the link opens the citizen's own page
    assert office.client.get(link.removeprefix("http://antrian.test")).status_code == 200
    schedule = office.client.get(f"/staff?date={TOMORROW}")
    assert code in schedule.text and "dibuat oleh ani" in schedule.text


def test_a_double_post_books_once(office):
    sign_in(office.client)
    form = _form(office, 82)
    first, second = office.client.post(PAGE, data=form), office.client.post(PAGE, data=form)
    assert (first.status_code, second.status_code) == (200, 200)
    assert _bookings(office) == 1
    code = re.compile(r'data-testid="booking-code">([A-Z0-9-]+)<')
    assert code.search(first.text).group(1) == code.search(second.text).group(1)


def test_bad_input_is_shown_by_the_field_and_takes_nothing(office):
    sign_in(office.client)
    refused = office.client.post(PAGE, data=_form(office, 83, nik="123", phone=""))
    assert refused.status_code == 422
    assert "NIK harus terdiri dari 16 angka." in refused.text
    assert 'id="phone-error"' in refused.text  # SMS chosen without a phone
    assert 'value="Warga Desa"' in refused.text  # what was typed is kept
    assert _bookings(office) == 0


def test_a_citizen_without_a_phone_is_booked_with_no_messages(office):
    sign_in(office.client)
    done = office.client.post(PAGE, data=_form(office, 84, phone="", channels=[], no_messages="yes"))
    assert done.status_code == 200, done.text
    assert "Tidak ada pesan yang dikirim" in done.text
    with office.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_the_per_nik_rule_holds_from_the_page_too(office):
    sign_in(office.client)
    assert office.client.post(PAGE, data=_form(office, 85)).status_code == 200
    again = office.client.post(PAGE, data=_form(office, 85, start=at(TOMORROW, 11), form_key="other"))
    assert again.status_code == 409
    assert "sudah memiliki pemesanan" in again.text
    assert _bookings(office) == 1


def test_a_clerk_cannot_book_another_agencys_service_from_the_page(office):
    sign_in(office.client)
    refused = office.client.post(PAGE, data=_form(office, 86, service="PKB"))
    assert refused.status_code == 403
    assert _bookings(office) == 0


def test_a_partner_account_is_refused_on_every_staff_and_admin_page(office):
    make_staff(office.db, "desa", role="partner")
    assert sign_in(office.client, "desa").status_code == 303  # the password is right ...
    for path in ("/staff", PAGE, "/staff/walk-in", "/staff/antrian", "/staff/laporan", "/admin", "/admin/akun"):
        answer = office.client.get(path, follow_redirects=False)
        assert answer.status_code == 403, path  # ... but a partner books through the API only


def test_the_admin_creates_a_partner_account_on_the_accounts_page(office):
    admin_sign_in(office.client)
    made = post(
        office.client, "/admin/akun", {"username": "desa-ngawen", "password": PASSWORD, "role": "partner", "agency": ""}
    )
    assert made.status_code == 303, made.text
    listed = office.client.get("/admin/akun")
    assert listed.status_code == 200 and "desa-ngawen" in listed.text
    assert "Mitra pemesanan (kantor desa)" in listed.text
    assert office.client.get("/admin/akun/desa-ngawen").status_code == 200
