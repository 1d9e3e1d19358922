"""The staff pages without a browser (both databases): sign-in, the schedule, the buttons, walk-ins."""

from __future__ import annotations

import datetime as dt
import re

from booking.staff import MAX_FAILED_LOGINS
from tests.factories import PASSWORD
from tests.staff.conftest import TODAY

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(client, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client, username: str = "ani", password: str = PASSWORD):
    token = csrf_of(client, "/staff/login")
    return client.post(
        "/staff/login", data={"username": username, "password": password, "_csrf_token": token}, follow_redirects=False
    )


def test_the_pages_need_a_signed_in_clerk(office):
    answer = office.client.get("/staff", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    assert office.client.get("/staff/walk-in", follow_redirects=False).status_code == 303


def test_a_wrong_password_says_so_and_keeps_the_username(office):
    answer = sign_in(office.client, password="bukan-kata-sandinya")
    assert answer.status_code == 401
    assert '<div class="alert" role="alert">Nama pengguna atau kata sandi salah.</div>' in answer.text
    assert 'value="ani"' in answer.text


def test_a_locked_account_says_it_is_locked_not_that_the_password_is_wrong(office):
    for _ in range(MAX_FAILED_LOGINS):
        assert sign_in(office.client, password="bukan-kata-sandinya").status_code == 401
    locked = sign_in(office.client)  # the right password, while the lock lasts
    assert locked.status_code == 429
    assert "Akun ini dikunci sementara karena kata sandi salah beberapa kali. Coba lagi dalam 1 menit." in locked.text
    assert "Nama pengguna atau kata sandi salah" not in locked.text


def test_signing_in_sets_a_strict_http_only_cookie_and_shows_the_schedule(office):
    code = office.book(9)
    answer = sign_in(office.client)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
    page = office.client.get("/staff")
    assert page.status_code == 200
    assert code in page.text and "Loket 1" in page.text and "Loket 2" in page.text
    assert "Siti Aminah" in page.text  # the clerk's own citizens of today, to call them by name
    office.book(9, day=dt.date(2026, 12, 1))
    tomorrow = office.client.get("/staff?date=2026-12-01").text
    assert "Siti Aminah" not in tomorrow and "S*** A*****" in tomorrow  # masked on any other day
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_check_in_serve_and_a_refused_step_from_the_buttons(office):
    code = office.book(9)
    sign_in(office.client)
    token = csrf_of(office.client, "/staff")
    done = office.client.post(f"/staff/bookings/{code}/check-in", data={"_csrf_token": token, "date": str(TODAY)})
    assert done.status_code == 200 and f"{code}: sudah check-in." in done.text
    again = office.client.post(f"/staff/bookings/{code}/check-in", data={"_csrf_token": token})
    assert again.status_code == 409 and "tidak dapat check-in" in again.text
    served = office.client.post(f"/staff/bookings/{code}/serve", data={"_csrf_token": token})
    assert served.status_code == 200 and f"{code}: selesai dilayani." in served.text
    status = office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.ani).json()["status"]
    assert status == "served"
    assert 'class="state">Selesai dilayani</td>' in served.text  # a word, not the code


def test_check_in_by_typed_or_scanned_code(office):
    code = office.book(10, 30)
    sign_in(office.client)
    token = csrf_of(office.client, "/staff")
    answer = office.client.post("/staff/check-in", data={"_csrf_token": token, "scan": code.lower().replace("-", "")})
    assert f"{code}: sudah check-in." in answer.text


def test_a_form_without_its_csrf_token_is_refused(office):
    code = office.book(9)
    sign_in(office.client)
    answer = office.client.post(f"/staff/bookings/{code}/check-in", data={})
    assert answer.status_code == 403
    assert office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.ani).json()["status"] == "confirmed"


def test_another_agency_s_booking_is_forbidden_from_the_pages_too(office):
    sign_in(office.client, "budi")
    code = office.book(9)
    token = csrf_of(office.client, "/staff")
    answer = office.client.post(f"/staff/bookings/{code}/check-in", data={"_csrf_token": token})
    assert answer.status_code == 403


def test_a_walk_in_with_errors_keeps_the_input_then_is_registered(office):
    sign_in(office.client)
    token = csrf_of(office.client, "/staff/walk-in")
    wrong = office.client.post(
        "/staff/walk-in", data={"_csrf_token": token, "service": "KTP", "nik": "12345", "name": "Budi Santoso"}
    )
    assert wrong.status_code == 422
    assert "NIK harus terdiri dari 16 angka." in wrong.text and 'value="Budi Santoso"' in wrong.text
    right = office.client.post(
        "/staff/walk-in",
        data={"_csrf_token": token, "service": "KTP", "nik": "3316011708859999", "name": "Budi Santoso"},
    )
    assert right.status_code == 200 and "walk-in terdaftar" in right.text


def test_the_admin_chooses_an_agency_and_prints_the_day(office):
    code = office.book(9)
    sign_in(office.client, "kepala")
    samsat = office.client.get("/staff?agency=samsat")
    assert samsat.status_code == 200 and "Loket 9" in samsat.text and code not in samsat.text
    printed = office.client.get(f"/staff/print?date={TODAY}&agency=dukcapil")
    assert printed.status_code == 200 and code in printed.text and "<button" not in printed.text.split("</form>")[-1]


def test_signing_out_ends_the_page_session_and_every_copy_of_its_token(office):
    sign_in(office.client)
    copied = office.client.cookies.get("antrian_staff", path="/staff")  # sent to /staff and /admin alike
    token = csrf_of(office.client, "/staff")
    office.client.post("/staff/logout", data={"_csrf_token": token})
    assert office.client.get("/staff", follow_redirects=False).status_code == 303
    office.client.cookies.set("antrian_staff", copied, path="/staff")
    assert office.client.get("/staff", follow_redirects=False).status_code == 303
