"""A site's admin manages its staff accounts through the API: list, create, disable and enable, move to
another agency, reset a password. A disabled account's tokens stop working on the very next request, and
the site's last active admin cannot be disabled."""

from __future__ import annotations

from tests.factories import PASSWORD, bearer, make_site, make_staff

ACCOUNTS = "/api/v1/admin/accounts"
NEW_PASSWORD = "kata-sandi-baru-456"


def accounts(office) -> dict[str, dict]:
    answer = office.client.get(ACCOUNTS, headers=office.admin)
    assert answer.status_code == 200, answer.text
    return {account["username"]: account for account in answer.json()}


def test_the_admin_lists_the_sites_accounts_with_role_agency_and_state(office):
    listed = accounts(office)
    assert set(listed) == {"ani", "budi", "kepala"}
    assert listed["ani"] | {"created_at": None} == {
        "username": "ani", "role": "staff", "agency": "dukcapil", "active": True, "created_at": None,
    }  # fmt: skip
    assert listed["kepala"]["role"] == "admin" and listed["kepala"]["agency"] is None


def test_a_new_clerk_can_sign_in_and_sees_their_agency(office):
    made = office.client.post(
        ACCOUNTS,
        json={"username": "citra", "password": PASSWORD, "role": "staff", "agency": "samsat"},
        headers=office.admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["agency"] == "samsat" and made.json()["active"] is True
    token = bearer(office.client, "citra")
    assert office.client.get("/api/v1/staff/schedule", headers=token).json()["agency"]["slug"] == "samsat"


def test_a_new_account_with_bad_values_is_refused_field_by_field(office):
    refused = office.client.post(
        ACCOUNTS, json={"username": "ani", "password": "short", "role": "staff"}, headers=office.admin
    )
    assert refused.status_code == 422
    codes = {error["field"]: error["code"] for error in refused.json()["errors"]}
    assert codes == {"username": "username_taken", "password": "password_too_short", "agency": "required"}
    assert set(accounts(office)) == {"ani", "budi", "kepala"}


def test_a_disabled_clerks_token_stops_working_at_once_and_they_cannot_sign_in(office):
    schedule = office.client.get("/api/v1/staff/schedule", headers=office.ani)
    assert schedule.status_code == 200
    disabled = office.client.patch(f"{ACCOUNTS}/ani", json={"active": False}, headers=office.admin)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert office.client.get("/api/v1/staff/schedule", headers=office.ani).status_code == 401
    login = office.client.post("/api/v1/auth/token", json={"username": "ani", "password": PASSWORD})
    assert login.status_code == 401
    assert login.json()["detail"] == "Nama pengguna atau kata sandi salah."

    enabled = office.client.patch(f"{ACCOUNTS}/ani", json={"active": True}, headers=office.admin)
    assert enabled.status_code == 200
    assert office.client.get("/api/v1/staff/schedule", headers=office.ani).status_code == 401  # ended for good
    assert office.client.get("/api/v1/staff/schedule", headers=bearer(office.client, "ani")).status_code == 200


def test_the_last_active_admin_cannot_be_disabled_or_made_a_clerk(office):
    for change in ({"active": False}, {"role": "staff", "agency": "dukcapil"}):
        refused = office.client.patch(f"{ACCOUNTS}/kepala", json=change, headers=office.admin)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "last_admin"
    assert accounts(office)["kepala"]["active"] is True
    assert office.client.get(ACCOUNTS, headers=office.admin).status_code == 200

    office.client.post(
        ACCOUNTS, json={"username": "wakil", "password": PASSWORD, "role": "admin"}, headers=office.admin
    )
    assert office.client.patch(f"{ACCOUNTS}/kepala", json={"active": False}, headers=office.admin).status_code == 200
    assert office.client.get(ACCOUNTS, headers=office.admin).status_code == 401  # their own token ended
    wakil = bearer(office.client, "wakil")
    refused = office.client.patch(f"{ACCOUNTS}/wakil", json={"active": False}, headers=wakil)
    assert refused.status_code == 409 and refused.json()["code"] == "last_admin"


def test_moving_a_clerk_changes_the_agency_whose_schedule_they_see(office):
    moved = office.client.patch(f"{ACCOUNTS}/ani", json={"agency": "samsat"}, headers=office.admin)
    assert moved.status_code == 200, moved.text
    assert moved.json()["agency"] == "samsat"
    assert office.client.get("/api/v1/staff/schedule", headers=office.ani).json()["agency"]["slug"] == "samsat"
    unknown = office.client.patch(f"{ACCOUNTS}/ani", json={"agency": "pajak"}, headers=office.admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "agency_unknown"


def test_a_password_reset_ends_the_old_tokens_and_the_new_password_works(office):
    reset = office.client.patch(f"{ACCOUNTS}/budi", json={"password": NEW_PASSWORD}, headers=office.admin)
    assert reset.status_code == 200, reset.text
    assert office.client.get("/api/v1/staff/schedule", headers=office.budi).status_code == 401
    assert (
        office.client.get("/api/v1/staff/schedule", headers=bearer(office.client, "budi", NEW_PASSWORD)).status_code
        == 200
    )
    short = office.client.patch(f"{ACCOUNTS}/budi", json={"password": "pendek"}, headers=office.admin)
    assert short.status_code == 422 and short.json()["errors"][0]["code"] == "password_too_short"


def test_another_sites_account_is_not_found_and_a_clerk_is_forbidden(office):
    make_site(office.db, slug="lain")
    make_staff(office.db, "dewi", site="lain")
    assert office.client.patch(f"{ACCOUNTS}/dewi", json={"active": False}, headers=office.admin).status_code == 404
    assert "dewi" not in accounts(office)
    assert office.client.get(ACCOUNTS, headers=office.ani).status_code == 403
    assert office.client.patch(f"{ACCOUNTS}/budi", json={"active": False}, headers=office.ani).status_code == 403


def test_account_changes_are_audited_under_the_admins_name(office):
    office.client.patch(f"{ACCOUNTS}/ani", json={"active": False}, headers=office.admin)
    entries = office.client.get("/api/v1/admin/audit", headers=office.admin).json()
    entry = next(e for e in entries if e["action"] == "staff.update")
    assert entry["actor"] == "kepala" and entry["target"] == "staff:ani"
    assert entry["before"]["active"] is True and entry["after"]["active"] is False
