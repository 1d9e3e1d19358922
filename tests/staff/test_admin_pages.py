"""The admin pages without a browser (both databases): who may open them, and each form calling the same
domain rules as the admin API, keeping what was typed and showing errors by the field."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from booking.models import Booking, Counter, Notification
from tests.factories import PASSWORD, TOMORROW, make_site, make_staff

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


def cancellation_of(office, code: str) -> tuple[str | None, list[str]]:
    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        return booking.cancel_reason, list(
            session.scalars(select(Notification.kind).where(Notification.booking_id == booking.id))
        )


def post(client, path: str, data: dict, page: str | None = None):
    token = csrf_of(client, page or path)
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def test_the_admin_pages_send_to_sign_in_and_back(office):
    answer = office.client.get("/admin/akun", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login?next=%2Fadmin%2Fakun"
    assert sign_in(office.client, next_page="/admin/akun").headers["location"] == "/admin/akun"
    for elsewhere in ("https://elsewhere.example/admin", "/admin//elsewhere.example", "/admin\r\nX-Evil: 1", "/kiosk"):
        assert sign_in(office.client, next_page=elsewhere).headers["location"] == "/staff", elsewhere


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


def closure_form(**changes) -> dict:
    return {
        "scope": "", "starts_on": str(TOMORROW), "ends_on": "", "from_time": "10:30", "until_time": "",
        "reason": "Listrik padam", "reason_en": "", **changes,
    }  # fmt: skip


def test_a_closure_lists_the_booked_citizens_first_and_cancels_them_with_notices_when_confirmed(office):
    kept, dropped = office.book(9, 0, day=TOMORROW), office.book(11, 0, day=TOMORROW)
    sign_in(office.client)
    asked = post(office.client, "/admin/penutupan", closure_form())
    assert asked.status_code == 409
    assert "1 warga sudah memesan pada waktu itu" in asked.text
    assert dropped in asked.text and kept not in asked.text
    assert "Tutup dan batalkan 1 pemesanan" in asked.text
    planned = ["booking_confirmed", "reminder_day_before", "reminder_soon"]
    assert cancellation_of(office, dropped) == (None, planned)  # nothing changed yet

    confirmed = post(office.client, "/admin/penutupan", closure_form(confirm="1"), "/admin/penutupan")
    assert confirmed.status_code == 303, confirmed.text
    page = office.client.get(confirmed.headers["location"]).text
    assert "Penutupan disimpan; 1 pemesanan dibatalkan dan warga diberi tahu." in page
    assert "Listrik padam" in page
    reason, kinds = cancellation_of(office, dropped)
    assert reason == "MPP tutup: Listrik padam" and sorted(kinds) == sorted(["booking_cancelled", *planned])
    assert cancellation_of(office, kept) == (None, planned)


def test_a_bad_closure_form_keeps_what_was_typed_and_saves_nothing(office):
    sign_in(office.client)
    bad = post(office.client, "/admin/penutupan", closure_form(ends_on="2026-11-30", reason="", from_time="25:00"))
    assert bad.status_code == 422
    assert 'value="2026-11-30"' in bad.text and f'value="{TOMORROW}"' in bad.text and 'value="25:00"' in bad.text
    assert "Tanggal akhir tidak boleh sebelum tanggal mulai." in bad.text
    assert "Wajib diisi." in bad.text and "Jam harus berformat HH:MM." in bad.text
    assert office.client.get("/api/v1/admin/closures", headers=office.admin).json() == []


def test_a_closure_is_removed_from_its_page(office):
    sign_in(office.client)
    assert post(office.client, "/admin/penutupan", closure_form(scope="agency:samsat")).status_code == 303
    [closure] = office.client.get("/api/v1/admin/closures", headers=office.admin).json()
    assert closure["agency_id"] is not None
    removed = post(office.client, f"/admin/penutupan/{closure['id']}/hapus", {}, "/admin/penutupan")
    assert removed.status_code == 303
    assert office.client.get("/api/v1/admin/closures", headers=office.admin).json() == []


def rule_form(**changes) -> dict:
    return {
        "weekday": "4", "opens_at": "08:00", "closes_at": "11:00", "break_starts_at": "", "break_ends_at": "",
        "slot_minutes": "30", "capacity": "2", "walk_in_places": "0", "valid_from": "", "valid_until": "", **changes,
    }  # fmt: skip


def friday_rule(office, label: str = "Loket 1") -> dict:
    counters = office.client.get("/api/v1/admin/counters", headers=office.admin).json()
    rules = next(counter["rules"] for counter in counters if counter["label"] == label)
    return next(rule for rule in rules if rule["weekday"] == 4)


def test_the_counter_page_shows_a_readable_week(office):
    sign_in(office.client)
    page = office.client.get("/admin/loket/Loket%201")
    assert page.status_code == 200
    assert page.text.count("08.00–12.00, istirahat 10.00–10.30") == 7  # each day of the week
    assert "slot 30 menit · 2 tempat · 0 untuk walk-in" in page.text
    assert "Jumat" in page.text and "Minggu" in page.text


def test_friday_hours_change_on_the_counter_page(office):
    sign_in(office.client)
    rule = friday_rule(office)
    saved = post(office.client, f"/admin/loket/Loket%201/aturan/{rule['id']}", rule_form(), "/admin/loket/Loket%201")
    assert saved.status_code == 303, saved.text
    assert friday_rule(office)["closes_at"] == "11:00:00" and friday_rule(office)["break_starts_at"] is None
    assert "08.00–11.00" in office.client.get(saved.headers["location"]).text


def test_bad_opening_hours_keep_what_was_typed_and_show_each_error_by_its_field(office):
    sign_in(office.client)
    counter = "/admin/loket/Loket%201"
    rule = friday_rule(office)
    cases = [
        (rule_form(opens_at="12:00", closes_at="08:00"), "Jam buka harus sebelum jam tutup."),
        (rule_form(slot_minutes="240"), "Panjang slot melebihi jam buka hari itu."),
        (rule_form(walk_in_places="3"), "Jatah walk-in tidak boleh melebihi kapasitas."),
        (rule_form(slot_minutes="sepuluh"), "Nilai harus antara 5 dan 240."),
        (rule_form(capacity="0"), "Kapasitas minimal 1 per slot."),  # an existing rule, as a new one below
    ]
    for form, message in cases:
        refused = post(office.client, f"{counter}/aturan/{rule['id']}", form, counter)
        assert refused.status_code == 422, form
        assert message in refused.text and 'aria-invalid="true"' in refused.text
        assert all(f'value="{value}"' in refused.text for value in form.values() if value), form
    new_empty = post(office.client, f"{counter}/aturan", rule_form(weekday="6", capacity="0"), counter)
    assert new_empty.status_code == 422 and "Kapasitas minimal 1 per slot." in new_empty.text
    assert friday_rule(office) == rule  # nothing half-saved


def test_fewer_hours_list_the_bookings_in_the_way_before_they_are_cancelled(office):
    friday = TOMORROW + dt.timedelta(days=3)
    code = office.book(11, 30, day=friday)
    sign_in(office.client)
    counter, asked = "/admin/loket/Loket%201", []
    for label in ("Loket 1", "Loket 2"):
        rule = friday_rule(office, label)
        path = f"/admin/loket/{label.replace(' ', '%20')}/aturan/{rule['id']}"
        answer = post(office.client, path, rule_form(), counter)
        if answer.status_code == 409:  # the counter holding the booking
            asked.append(label)
            assert code in answer.text and "Simpan dan batalkan 1 pemesanan" in answer.text
            confirmed = post(office.client, path, rule_form(confirm="1"), counter)
            assert confirmed.status_code == 303
            assert cancellation_of(office, code)[0] == "Jadwal layanan di MPP berubah."
        else:
            assert answer.status_code == 303
    assert len(asked) == 1


def test_a_service_is_retired_from_its_page_and_gone_from_the_citizen_pages(office):
    sign_in(office.client)
    assert "Kartu Keluarga baru" in office.client.get("/s/uji?agency=dukcapil").text
    retired = post(office.client, "/admin/layanan/KK", {"active": "0"}, "/admin/layanan")
    assert retired.status_code == 303
    listed = office.client.get(retired.headers["location"]).text
    assert "Layanan KK dinonaktifkan." in listed and "Aktifkan lagi layanan KK" in listed
    assert "Kartu Keluarga baru" not in office.client.get("/s/uji?agency=dukcapil").text
    assert office.client.get("/s/uji/layanan/KK").status_code == 404


def test_a_bad_service_form_keeps_what_was_typed(office):
    sign_in(office.client)
    form = {"name": "", "duration_minutes": "0", "requirements": "KTP asli\nKK", "daily_quota": "-1"}
    bad = post(office.client, "/admin/layanan/KTP", form, "/admin/layanan/KTP")
    assert bad.status_code == 422
    assert "KTP asli\nKK</textarea>" in bad.text and 'value="0"' in bad.text and 'value="-1"' in bad.text
    assert bad.text.count('class="field-error"') == 3
    saved = post(office.client, "/admin/layanan/KTP", {**form, "name": "Perekaman KTP-el", "duration_minutes": "20",
                                                       "daily_quota": ""}, "/admin/layanan/KTP")  # fmt: skip
    assert saved.status_code == 303
    service = next(
        s for s in office.client.get("/api/v1/admin/services", headers=office.admin).json() if s["code"] == "KTP"
    )
    assert service["requirements"] == ["KTP asli", "KK"] and service["duration_minutes"] == 20


def test_the_settings_page_saves_the_channels_and_refuses_bad_numbers_by_field(office):
    sign_in(office.client)
    page = office.client.get("/admin/pengaturan").text
    form = {name: value for name, value in re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', page)}
    bad = post(office.client, "/admin/pengaturan", {**form, "max_days_ahead": "0", "channels": ["sms"]})
    assert bad.status_code == 422 and "Nilai harus antara 1 dan 366." in bad.text and 'value="0"' in bad.text
    saved = post(office.client, "/admin/pengaturan", {**form, "channels": ["sms", "email"]})
    assert saved.status_code == 303
    assert office.client.get("/api/v1/admin/site", headers=office.admin).json()["channels"] == ["sms", "email"]
    fair = {"waitlist_hold_minutes": "20", "family_max": "6", "visit_walk_minutes": "15"}
    assert post(office.client, "/admin/pengaturan", {**form, **fair, "channels": ["sms", "email"]}).status_code == 303
    site = office.client.get("/api/v1/admin/site", headers=office.admin).json()
    assert {name: str(site[name]) for name in fair} == fair
    too_many = post(office.client, "/admin/pengaturan", {**form, "family_max": "11", "channels": ["sms"]})
    assert too_many.status_code == 422 and "Nilai harus antara 1 dan 10." in too_many.text
    book = office.client.get(f"/s/uji/layanan/KTP/pesan?start={TOMORROW}T09:00:00%2B07:00").text
    assert 'value="sms"' in book and 'value="email"' in book and 'value="whatsapp"' not in book


def test_the_audit_log_filters_by_who_what_and_day(office):
    office.client.patch("/api/v1/admin/accounts/ani", json={"active": False}, headers=office.admin)
    office.client.post("/api/v1/admin/closures", json={"starts_on": str(TOMORROW), "ends_on": str(TOMORROW),
                                                       "reason": "Banjir"}, headers=office.admin)  # fmt: skip
    sign_in(office.client)

    def actions(query: str) -> set[str]:
        page = office.client.get(f"/admin/audit?{query}").text
        return set(re.findall(r'<td data-label="Tindakan" class="mono">([\w.]+)</td>', page))

    assert actions("what=closure") == {"closure.create"}
    assert actions("who=kepala&date=2026-11-30") == {"staff.update", "closure.create"}
    assert "Tidak ada catatan yang cocok." in office.client.get("/admin/audit?date=2026-11-29").text
    assert "Tidak ada catatan yang cocok." in office.client.get("/admin/audit?who=ani").text
    bad = office.client.get("/admin/audit?date=kemarin")
    assert bad.status_code == 422 and "Tanggal harus berformat YYYY-MM-DD." in bad.text


def test_an_agency_is_added_on_the_services_page_and_a_taken_key_is_refused_by_its_field(office):
    sign_in(office.client)
    taken = post(office.client, "/admin/instansi", {"slug": "samsat", "agency_name": "Kantor Pajak"}, "/admin/layanan")
    assert taken.status_code == 422
    assert "Sudah dipakai di MPP ini." in taken.text and 'value="Kantor Pajak"' in taken.text
    made = post(office.client, "/admin/instansi", {"slug": "pajak", "agency_name": "Kantor Pajak"}, "/admin/layanan")
    assert made.status_code == 303
    assert "Instansi Kantor Pajak dibuat." in office.client.get(made.headers["location"]).text
    assert "pajak" in {a["slug"] for a in office.client.get("/api/v1/admin/agencies", headers=office.admin).json()}


def counter_labels(office) -> list[str]:
    return [c["label"] for c in office.client.get("/api/v1/admin/counters", headers=office.admin).json()]


def test_a_counter_is_renamed_on_its_page_and_a_taken_name_is_refused_by_its_field(office):
    sign_in(office.client)
    page = "/admin/loket/Loket%201"
    taken = post(office.client, f"{page}/nama", {"label": "Loket 2"}, page)
    assert taken.status_code == 422 and 'aria-invalid="true"' in taken.text and 'value="Loket 2"' in taken.text
    renamed = post(office.client, f"{page}/nama", {"label": "Loket Perekaman"}, page)
    assert renamed.status_code == 303 and renamed.headers["location"].startswith("/admin/loket/Loket%20Perekaman?")
    assert "Nama loket disimpan: Loket Perekaman." in office.client.get(renamed.headers["location"]).text
    labels = counter_labels(office)
    assert "Loket Perekaman" in labels and "Loket 1" not in labels
    assert office.client.get(page).status_code == 404  # the old name leads nowhere


def test_removing_a_counter_lists_its_bookings_first_and_cancels_them_when_confirmed(office):
    code = office.book(9, day=TOMORROW)
    planned = cancellation_of(office, code)[1]
    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        label = session.get(Counter, booking.counter_id).label
    sign_in(office.client)
    page = f"/admin/loket/{label.replace(' ', '%20')}"
    asked = post(office.client, f"{page}/hapus", {}, page)
    assert asked.status_code == 409 and code in asked.text and "Hapus loket dan batalkan 1 pemesanan" in asked.text
    assert cancellation_of(office, code) == (None, planned)  # nothing done before the admin confirms
    confirmed = post(office.client, f"{page}/hapus", {"confirm": "1"}, page)
    assert confirmed.status_code == 303, confirmed.text
    assert f"Loket {label} dihapus." in office.client.get(confirmed.headers["location"]).text
    reason, kinds = cancellation_of(office, code)
    assert reason == "Jadwal layanan di MPP berubah." and sorted(kinds) == sorted(["booking_cancelled", *planned])
    kept = next(
        c for c in office.client.get("/api/v1/admin/counters", headers=office.admin).json() if c["label"] == label
    )
    assert kept["rules"] == [] and kept["services"] == []  # kept for its history, offering nothing


def test_an_empty_counter_is_removed_outright(office):
    sign_in(office.client)
    page = "/admin/loket/Loket%202"
    assert post(office.client, f"{page}/hapus", {}, page).status_code == 303
    assert "Loket 2" not in counter_labels(office)
