"""The admin pages without a browser (both databases): who may open them, and each form calling the same
domain rules as the admin API, keeping what was typed and showing errors by the field."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_site, make_staff

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(client, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client, username: str = "kepala", next_page: str = "/admin"):
    token = csrf_of(client, "/staff/login")
    answer = client.post(
        "/staff/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": token, "next": next_page},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer


def post(client, path: str, data: dict, page: str | None = None):
    token = csrf_of(client, page or path)
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def test_the_admin_pages_send_to_sign_in_and_back(office):
    answer = office.client.get("/admin/akun", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login?next=%2Fadmin%2Fakun"
    assert sign_in(office.client, next_page="/admin/akun").headers["location"] == "/admin/akun"
    assert sign_in(office.client, next_page="https://elsewhere.example/admin").headers["location"] == "/staff"


def test_a_clerk_gets_403_on_every_admin_page(office):
    sign_in(office.client, "ani", next_page="/staff")
    for path in ("/admin", "/admin/akun", "/admin/akun/ani"):
        answer = office.client.get(path)
        assert answer.status_code == 403, path
        assert "Anda tidak berhak melakukan ini." in answer.text
    assert post(office.client, "/admin/akun/budi", {"change": "active", "active": "0"}, "/staff").status_code == 403


def test_an_admin_creates_a_clerk_and_a_bad_form_keeps_what_was_typed(office):
    sign_in(office.client)
    bad = post(office.client, "/admin/akun", {"username": "Citra!", "role": "staff", "agency": "", "password": "x"})
    assert bad.status_code == 422
    assert 'value="Citra!"' in bad.text
    assert bad.text.count('class="field-error"') == 3  # username, agency, password
    assert "Kata sandi minimal 10 karakter." in bad.text

    made = post(
        office.client, "/admin/akun", {"username": "citra", "role": "staff", "agency": "samsat", "password": PASSWORD}
    )
    assert made.status_code == 303 and made.headers["location"] == "/admin/akun?done=account_created&name=citra"
    listed = office.client.get(made.headers["location"]).text
    assert "Akun citra dibuat." in listed and "citra" in listed


def test_disabling_a_clerk_on_the_page_ends_their_token_at_once(office):
    sign_in(office.client)
    assert office.client.get("/api/v1/staff/schedule", headers=office.ani).status_code == 200
    done = post(office.client, "/admin/akun/ani", {"change": "active", "active": "0", "back": "list"}, "/admin/akun")
    assert done.status_code == 303
    assert "Akun ani dinonaktifkan." in office.client.get(done.headers["location"]).text
    assert office.client.get("/api/v1/staff/schedule", headers=office.ani).status_code == 401


def test_the_last_admin_is_not_disabled_and_the_page_says_why(office):
    sign_in(office.client)
    refused = post(office.client, "/admin/akun/kepala", {"change": "active", "active": "0"})
    assert refused.status_code == 409
    assert "admin aktif terakhir" in refused.text
    assert office.client.get("/admin/akun").status_code == 200  # still signed in


def test_a_password_reset_and_a_move_on_the_account_page(office):
    sign_in(office.client)
    short = post(office.client, "/admin/akun/budi", {"change": "password", "password": "pendek"})
    assert short.status_code == 422 and "Kata sandi minimal 10 karakter." in short.text
    moved = post(office.client, "/admin/akun/budi", {"change": "move", "role": "staff", "agency": "dukcapil"})
    assert moved.status_code == 303
    assert office.client.get("/api/v1/staff/schedule", headers=office.budi).json()["agency"]["slug"] == "dukcapil"


def test_another_sites_account_is_404(office):
    make_site(office.db, slug="lain")
    make_staff(office.db, "dewi", site="lain")
    sign_in(office.client)
    assert office.client.get("/admin/akun/dewi").status_code == 404
    assert (
        post(office.client, "/admin/akun/dewi", {"change": "active", "active": "0"}, "/admin/akun").status_code == 404
    )
