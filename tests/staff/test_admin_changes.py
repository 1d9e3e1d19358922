"""Admin changes take effect on availability at once and never drop a booked citizen silently: a change
that would leave bookings without a place is refused with their list, or, forced, cancels them with a
notice giving the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.invariants import capacity_violations
from booking.models import Booking, Notification
from notifications.render import render
from tests.factories import TOMORROW, at, booking_body

ADMIN = "/api/v1/admin"


def book(office, start: str, n: int, service: str = "KTP") -> str:
    answer = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(start, n, service=service))
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def remaining(office, start: str, service: str = "KTP") -> int:
    day = start[:10]
    days = office.client.get(f"/api/v1/sites/uji/services/{service}/availability?from={day}&to={day}").json()
    return next((slot["remaining"] for slot in days["days"][0]["slots"] if slot["start"] == start), 0)


def rules_of(office, label: str) -> list[dict]:
    counters = office.client.get(f"{ADMIN}/counters", headers=office.admin).json()
    return next(counter["rules"] for counter in counters if counter["label"] == label)


def tomorrow_rule(office, label: str) -> int:
    return next(rule["id"] for rule in rules_of(office, label) if rule["weekday"] == TOMORROW.weekday())


def status_of(office, code: str) -> str:
    return office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.admin).json()["status"]


def cancellation_of(office, code: str) -> tuple[str | None, list[str]]:
    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        kinds = session.scalars(select(Notification.kind).where(Notification.booking_id == booking.id))
        return booking.cancel_reason, list(kinds)


def no_violations(office) -> None:
    with office.db.read() as session:
        assert capacity_violations(session) == []


def test_less_capacity_is_refused_with_the_bookings_it_would_drop(office):
    start = at(TOMORROW, 9)
    codes = [book(office, start, n) for n in range(1, 5)]  # 2 counters x 2 places: the slot is full
    rule = tomorrow_rule(office, "Loket 1")
    refused = office.client.patch(f"{ADMIN}/rules/{rule}", json={"capacity": 1}, headers=office.admin)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "bookings_affected"
    assert len(problem["bookings"]) == 1
    dropped = problem["bookings"][0]
    assert dropped["code"] in codes and dropped["counter"] == "Loket 1" and dropped["start"] == start
    assert "*" in dropped["citizen"]
    # nothing changed
    assert next(r for r in rules_of(office, "Loket 1") if r["id"] == rule)["capacity"] == 2
    assert all(status_of(office, code) == "confirmed" for code in codes)
    no_violations(office)


def test_less_capacity_forced_cancels_the_latest_booking_with_a_notice(office):
    start = at(TOMORROW, 9)
    codes = [book(office, start, n) for n in range(1, 5)]
    rule = tomorrow_rule(office, "Loket 1")
    forced = office.client.patch(f"{ADMIN}/rules/{rule}?force=true", json={"capacity": 1}, headers=office.admin)
    assert forced.status_code == 200, forced.text
    statuses = {code: status_of(office, code) for code in codes}
    cancelled = [code for code, status in statuses.items() if status == "cancelled"]
    assert len(cancelled) == 1
    reason, kinds = cancellation_of(office, cancelled[0])
    assert reason == "Jadwal layanan di MPP berubah." and "booking_cancelled" in kinds
    assert remaining(office, start) == 0  # 1 + 2 places, 3 bookings left
    assert remaining(office, at(TOMORROW, 9, 30)) == 3  # the new capacity everywhere, at once
    no_violations(office)
    audit = office.client.get(f"{ADMIN}/audit", headers=office.admin).json()
    change = next(entry for entry in audit if entry["action"] == "rule.update")
    assert change["actor"] == "kepala"
    assert change["before"]["capacity"] == 2 and change["after"]["capacity"] == 1
    assert change["after"]["cancelled_bookings"] == cancelled


def test_the_cancellation_notice_tells_the_citizen_why(office):
    code = book(office, at(TOMORROW, 9), 1)
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "reason": "Pemadaman listrik"}
    assert office.client.post(f"{ADMIN}/closures", json=closure, headers=office.admin).status_code == 409
    assert office.client.post(f"{ADMIN}/closures?force=true", json=closure, headers=office.admin).status_code == 201
    assert status_of(office, code) == "cancelled"
    from workers.tasks import booking_facts

    with office.db.read() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        message = render("booking_cancelled", "sms", "id", booking_facts(booking))
    assert "Pemadaman listrik" in message.text
    day = office.client.get(f"/api/v1/sites/uji/services/KTP/availability?from={TOMORROW}&to={TOMORROW}").json()
    assert day["days"][0]["status"] == "closed" and day["days"][0]["reason"] == "Pemadaman listrik"
    no_violations(office)


def test_a_closure_on_an_empty_day_needs_no_force_and_opening_again_restores_the_day(office):
    later = TOMORROW + dt.timedelta(days=7)
    closure = {"starts_on": str(later), "ends_on": str(later), "reason": "Cuti bersama"}
    made = office.client.post(f"{ADMIN}/closures", json=closure, headers=office.admin)
    assert made.status_code == 201
    availability = f"/api/v1/sites/uji/services/KTP/availability?from={later}&to={later}"
    assert office.client.get(availability).json()["days"][0]["status"] == "closed"
    assert office.client.delete(f"{ADMIN}/closures/{made.json()['id']}", headers=office.admin).status_code == 204
    assert office.client.get(availability).json()["days"][0]["status"] == "open"


def test_removing_a_counter_refuses_then_forced_cancels_its_bookings(office):
    start = at(TOMORROW, 9)
    codes = [book(office, start, n) for n in range(1, 5)]
    refused = office.client.delete(f"{ADMIN}/counters/Loket 2", headers=office.admin)
    assert refused.status_code == 409 and len(refused.json()["bookings"]) == 2
    assert office.client.delete(f"{ADMIN}/counters/Loket 2?force=true", headers=office.admin).status_code == 204
    assert sorted(status_of(office, code) for code in codes) == ["cancelled", "cancelled", "confirmed", "confirmed"]
    assert remaining(office, at(TOMORROW, 9, 30)) == 2  # one counter left
    no_violations(office)


def test_a_counter_that_stops_serving_a_service_settles_its_bookings(office):
    code = book(office, at(TOMORROW, 8), 1)
    counter = office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.admin).json()["counter"]["label"]
    change = {"services": ["KK"]}
    refused = office.client.patch(f"{ADMIN}/counters/{counter}", json=change, headers=office.admin)
    assert refused.status_code == 409 and refused.json()["bookings"][0]["code"] == code
    ok = office.client.patch(f"{ADMIN}/counters/{counter}?force=true", json=change, headers=office.admin)
    assert ok.status_code == 200 and ok.json()["services"] == ["KK"]
    assert status_of(office, code) == "cancelled"
    no_violations(office)


def test_a_lower_quota_is_refused_then_forced_and_a_new_quota_counts_existing_bookings(office):
    for n, hour in ((1, 8), (2, 9), (3, 11)):
        book(office, at(TOMORROW, hour), n, service="KK")  # quota 3: used up
    refused = office.client.patch(f"{ADMIN}/services/KK", json={"daily_quota": 2}, headers=office.admin)
    assert refused.status_code == 409 and len(refused.json()["bookings"]) == 1
    forced = office.client.patch(f"{ADMIN}/services/KK?force=true", json={"daily_quota": 2}, headers=office.admin)
    assert forced.status_code == 200 and forced.json()["daily_quota"] == 2
    no_violations(office)

    # a quota put on a service that already has bookings starts from their true count
    for n, minute in ((11, 0), (12, 0), (13, 30)):
        book(office, at(TOMORROW, 11, minute), n)
    assert (
        office.client.patch(f"{ADMIN}/services/KTP", json={"daily_quota": 3}, headers=office.admin).status_code == 200
    )
    no_violations(office)
    full = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 20))
    assert full.status_code == 409 and full.json()["code"] == "quota_exhausted"
    assert (
        office.client.patch(f"{ADMIN}/services/KTP", json={"daily_quota": None}, headers=office.admin).status_code
        == 200
    )
    assert office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 20)).status_code == 201
    no_violations(office)


def test_more_capacity_and_a_bigger_walk_in_share_show_at_once_even_in_booked_slots(office):
    start = at(TOMORROW, 9)
    book(office, start, 1)
    assert remaining(office, start) == 3
    for label in ("Loket 1", "Loket 2"):
        rule = tomorrow_rule(office, label)
        changed = office.client.patch(f"{ADMIN}/rules/{rule}", json={"capacity": 4}, headers=office.admin)
        assert changed.status_code == 200, changed.text
    assert remaining(office, start) == 7  # the slot's existing capacity row grew too
    for n in range(2, 9):
        book(office, start, n)
    no_violations(office)
    rule = tomorrow_rule(office, "Loket 1")
    share = office.client.patch(f"{ADMIN}/rules/{rule}", json={"walk_in_places": 2}, headers=office.admin)
    assert share.status_code == 200
    assert remaining(office, at(TOMORROW, 9, 30)) == 6  # (4 - 2) + 4


def test_new_opening_hours_open_a_day_at_once(office):
    saturday = TOMORROW + dt.timedelta(days=(5 - TOMORROW.weekday()) % 7)
    for label in ("Loket 1", "Loket 2"):
        for rule in rules_of(office, label):
            if rule["weekday"] == 5:
                assert office.client.delete(f"{ADMIN}/rules/{rule['id']}", headers=office.admin).status_code == 204
    availability = f"/api/v1/sites/uji/services/KTP/availability?from={saturday}&to={saturday}"
    assert office.client.get(availability).json()["days"][0]["status"] == "closed"
    rule = {"weekday": "sat", "opens_at": "08:00", "closes_at": "10:00", "slot_minutes": 60, "capacity": 1}
    added = office.client.post(f"{ADMIN}/counters/Loket 1/rules", json=rule, headers=office.admin)
    assert added.status_code == 201, added.text
    day = office.client.get(availability).json()["days"][0]
    assert day["status"] == "open" and [slot["remaining"] for slot in day["slots"]] == [1, 1]


def test_bad_values_are_refused_field_by_field_and_change_nothing(office):
    bad = {
        "weekday": 9,
        "opens_at": "25:00",
        "closes_at": "08:00",
        "slot_minutes": 1,
        "capacity": 2,
        "walk_in_places": 3,
    }
    answer = office.client.post(f"{ADMIN}/counters/Loket 1/rules", json=bad, headers=office.admin)
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert {"weekday", "opens_at", "slot_minutes", "walk_in_places"} <= fields
    assert len(rules_of(office, "Loket 1")) == 7
    taken = office.client.post(f"{ADMIN}/agencies", json={"slug": "dukcapil", "name": "X"}, headers=office.admin)
    assert taken.status_code == 422 and taken.json()["errors"][0]["code"] == "value_taken"
    unknown = office.client.patch(f"{ADMIN}/rules/99999", json={"capacity": 1}, headers=office.admin)
    assert unknown.status_code == 404
    extra = office.client.patch(f"{ADMIN}/site", json={"colour": "red"}, headers=office.admin)
    assert extra.status_code == 422


def test_a_rule_changed_to_no_place_is_refused_like_a_new_one(office):
    """Capacity 0 would leave a counter open with nothing to book: a closure says why, a rule of 0 says nothing."""
    rule = tomorrow_rule(office, "Loket 1")
    before = rules_of(office, "Loket 1")
    for forced in ("", "?force=true"):
        answer = office.client.patch(f"{ADMIN}/rules/{rule}{forced}", json={"capacity": 0}, headers=office.admin)
        assert answer.status_code == 422, answer.text
        assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("capacity", "capacity_zero")]
    assert rules_of(office, "Loket 1") == before


def test_a_new_agency_service_and_counter_are_bookable_at_once(office):
    headers = office.admin
    assert (
        office.client.post(
            f"{ADMIN}/agencies", json={"slug": "bpn", "name": "Kantor Pertanahan"}, headers=headers
        ).status_code
        == 201
    )
    service = {"agency": "bpn", "code": "BPN-01", "name": "Pengecekan sertifikat", "duration_minutes": 20,
               "requirements": ["Sertifikat asli", "KTP"]}  # fmt: skip
    assert office.client.post(f"{ADMIN}/services", json=service, headers=headers).status_code == 201
    counter = {"agency": "bpn", "label": "Loket BPN", "services": ["BPN-01"]}
    assert office.client.post(f"{ADMIN}/counters", json=counter, headers=headers).status_code == 201
    rule = {"weekday": TOMORROW.weekday(), "opens_at": "08:00", "closes_at": "09:00", "slot_minutes": 20, "capacity": 1}
    assert office.client.post(f"{ADMIN}/counters/Loket BPN/rules", json=rule, headers=headers).status_code == 201
    code = book(office, at(TOMORROW, 8, 20), 1, service="BPN-01")
    assert status_of(office, code) == "confirmed"
    actions = [entry["action"] for entry in office.client.get(f"{ADMIN}/audit", headers=headers).json()]
    assert actions[:4] == ["rule.create", "counter.create", "service.create", "agency.create"]


def test_a_forced_closure_keeps_citizens_already_served_and_cancels_the_waiting(office):
    served, waiting = office.book(9), office.book(9, 30)
    office.clock.now = dt.datetime(2026, 11, 30, 2, 5, tzinfo=dt.UTC)  # 09:05 in Blora
    for step in ("check-in", "serve"):
        office.client.post(f"/api/v1/staff/bookings/{served}/{step}", headers=office.admin)
    today = str(office.clock.now.date())
    closure = {"starts_on": today, "ends_on": today, "reason": "Listrik padam"}
    refused = office.client.post(f"{ADMIN}/closures", json=closure, headers=office.admin)
    assert refused.status_code == 409 and [b["code"] for b in refused.json()["bookings"]] == [waiting]
    forced = office.client.post(f"{ADMIN}/closures?force=true", json=closure, headers=office.admin)
    assert forced.status_code == 201, forced.text
    assert (status_of(office, served), status_of(office, waiting)) == ("served", "cancelled")
    no_violations(office)


def test_a_forced_quota_cut_below_what_was_served_keeps_the_served_counted(office):
    served = book(office, at(TOMORROW - dt.timedelta(days=1), 9), 1, service="KK")
    later = book(office, at(TOMORROW - dt.timedelta(days=1), 11), 2, service="KK")
    office.clock.now = dt.datetime(2026, 11, 30, 2, 5, tzinfo=dt.UTC)
    for step in ("check-in", "serve"):
        office.client.post(f"/api/v1/staff/bookings/{served}/{step}", headers=office.admin)
    forced = office.client.patch(f"{ADMIN}/services/KK?force=true", json={"daily_quota": 0}, headers=office.admin)
    assert forced.status_code == 200, forced.text
    assert (status_of(office, served), status_of(office, later)) == ("served", "cancelled")
    no_violations(office)


def test_overlapping_hours_on_one_counter_are_refused(office):
    rule = {"weekday": TOMORROW.weekday(), "opens_at": "11:30", "closes_at": "13:00", "slot_minutes": 30, "capacity": 1}
    answer = office.client.post(f"{ADMIN}/counters/Loket 1/rules", json=rule, headers=office.admin)
    assert answer.status_code == 422 and answer.json()["errors"][0]["code"] == "rule_overlaps"
    rule |= {"opens_at": "12:00"}
    assert office.client.post(f"{ADMIN}/counters/Loket 1/rules", json=rule, headers=office.admin).status_code == 201


def test_odd_input_is_a_clear_4xx_never_a_500(office):
    headers = office.admin

    def admin(method: str, path: str, body: dict):
        return office.client.request(method, ADMIN + path, json=body, headers=headers)

    answers = {
        "nul slug": admin("PATCH", "/agencies/a%00b", {"name": "X"}),
        "nul label": admin("POST", "/counters", {"agency": "dukcapil", "label": "L\u0000"}),
        "slash label": admin("POST", "/counters", {"agency": "dukcapil", "label": "A/1"}),
        "huge order": admin("POST", "/agencies", {"slug": "x", "name": "X", "sort_order": 3_000_000_000}),
        "nul requirement": admin("PATCH", "/services/KTP", {"requirements": ["a\u0000"]}),
        "code change": admin("PATCH", "/services/KTP", {"code": "NEW"}),
        "nul agency": office.client.get("/api/v1/staff/schedule?agency=%00", headers=headers),
        "nul login": office.client.post("/api/v1/auth/token", json={"username": "a\u0000", "password": "x"}),
        "wrong type": admin("PATCH", "/site", {"max_days_ahead": "lots"}),
    }  # fmt: skip
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "nul slug": 404, "nul label": 422, "slash label": 422, "huge order": 422, "nul requirement": 422,
        "code change": 422, "nul agency": 404, "nul login": 401, "wrong type": 422,
    }  # fmt: skip
    assert answers["slash label"].json()["errors"][0]["code"] == "label_invalid"
    assert answers["code change"].json()["errors"][0]["code"] == "not_changeable"


@pytest.mark.parametrize(
    ("times", "offset_fields"),
    [
        pytest.param({"opens_at": "08:00+07:00", "closes_at": "12:00"}, ["opens_at"], id="opening_with_an_offset"),
        pytest.param({"opens_at": "08:00+07:00", "closes_at": "12:00+07:00"}, ["opens_at", "closes_at"],
                     id="both_with_the_site_s_own_offset"),
        pytest.param({"opens_at": "08:00Z", "closes_at": "12:00Z"}, ["opens_at", "closes_at"], id="both_in_utc"),
        pytest.param({"opens_at": "08:00", "closes_at": "12:00", "break_starts_at": "10:00+08:00",
                      "break_ends_at": "10:30"}, ["break_starts_at"], id="a_break_with_an_offset"),
    ],
)  # fmt: skip
def test_opening_hours_with_an_offset_are_refused_not_stripped_of_it(office, times, offset_fields):
    saturday_rule = {"weekday": "sat", "slot_minutes": 30, "capacity": 1, **times}
    before = rules_of(office, "Loket 1")

    answer = office.client.post(f"{ADMIN}/counters/Loket 1/rules", json=saturday_rule, headers=office.admin)

    assert answer.status_code == 422, answer.text
    offsets = [error["field"] for error in answer.json()["errors"] if error["code"] == "time_with_offset"]
    assert offsets == offset_fields
    assert rules_of(office, "Loket 1") == before


def test_changing_a_rule_to_a_time_with_an_offset_is_refused(office):
    rule = tomorrow_rule(office, "Loket 1")
    answer = office.client.patch(f"{ADMIN}/rules/{rule}", json={"closes_at": "11:00+07:00"}, headers=office.admin)
    assert answer.status_code == 422, answer.text
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("closes_at", "time_with_offset")]


@pytest.mark.parametrize("before_id", ["12345678901234567890123", "9223372036854775808", "2147483648", "0"])
def test_paging_the_audit_log_past_any_row_id_is_a_clear_422(office, before_id):
    answer = office.client.get(f"{ADMIN}/audit", params={"before_id": before_id}, headers=office.admin)
    assert answer.status_code == 422, answer.text
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("before_id", "number_out_of_range")]


def test_the_largest_row_id_still_pages_the_audit_log(office):
    office.client.post(f"{ADMIN}/agencies", json={"slug": "bpn", "name": "Kantor Pertanahan"}, headers=office.admin)
    answer = office.client.get(f"{ADMIN}/audit", params={"before_id": str(2**31 - 1)}, headers=office.admin)
    assert answer.status_code == 200, answer.text
    assert [entry["action"] for entry in answer.json()][0] == "agency.create"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/rules/12345678901234567890123"), ("DELETE", "/rules/2147483648"), ("DELETE", "/closures/2147483648")],
)
def test_a_rule_or_closure_id_beyond_any_row_id_is_a_clear_422_like_the_audit_log(office, method, path):
    answer = office.client.request(method, ADMIN + path, json={"capacity": 1} if method == "PATCH" else None,
                                   headers=office.admin)  # fmt: skip
    assert answer.status_code == 422, answer.text
    field = "rule_id" if "/rules/" in path else "closure_id"
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, "number_out_of_range")]


def test_a_rule_id_that_could_exist_but_does_not_is_not_found(office):
    answer = office.client.delete(f"{ADMIN}/rules/{2**31 - 1}", headers=office.admin)
    assert answer.status_code == 404, answer.text
    assert answer.json()["code"] == "not_found"


def test_an_admin_sets_the_retention_and_the_privacy_contact_the_notice_names(office):
    changed = office.client.patch(
        "/api/v1/admin/site",
        json={"personal_data_retention_days": 30, "privacy_contact": "pdp@uji.example"},
        headers=office.admin,
    )
    assert changed.status_code == 200
    shown = changed.json()
    assert (shown["personal_data_retention_days"], shown["privacy_contact"]) == (30, "pdp@uji.example")
    (site,) = office.client.get("/api/v1/sites").json()
    assert (site["personal_data_retention_days"], site["privacy_contact"]) == (30, "pdp@uji.example")
    assert "sampai 30 hari setelah kunjungan" in office.client.get("/s/uji/privasi").text

    for wrong, code in (({"personal_data_retention_days": 0}, "out_of_range"), ({"privacy_contact": " "}, "required")):
        refused = office.client.patch("/api/v1/admin/site", json=wrong, headers=office.admin)
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == code
