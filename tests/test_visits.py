"""A visit under one code: a family on one service, a chain of services on one day; all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking import outbox
from booking.invariants import capacity_violations
from booking.models import Booking, BookingStatus, Notification
from notifications.render import render
from tests.factories import TOMORROW, add_agency, at, bearer, booking_body, make_site, make_staff, nik

VISITS = "/api/v1/sites/uji/visits"


def person(n: int, **more) -> dict:
    return {"nik": nik(n), "name": f"Warga Nomor {n}", **more}


def family(*numbers: int) -> list[dict]:
    lead, *others = numbers
    return [person(lead, phone="081234567890", email="keluarga@example.com"), *(person(n) for n in others)]


def visit_body(steps: list[tuple[str, str]], citizens: list[dict], **more) -> dict:
    return {
        "steps": [{"service": service, "start": start} for service, start in steps],
        "citizens": citizens,
        "channels": ["sms", "email"],
        **more,
    }


def remaining(client, start: str, service: str = "KTP") -> int:
    day = start[:10]
    days = client.get(f"/api/v1/sites/uji/services/{service}/availability?from={day}&to={day}").json()["days"]
    return {slot["start"]: slot["remaining"] for slot in days[0]["slots"]}.get(start, 0)


def no_violations(db) -> None:
    with db.read() as session:
        assert capacity_violations(session) == []


def active(db) -> list[Booking]:
    with db.read() as session:
        return list(session.scalars(select(Booking).where(Booking.status != BookingStatus.cancelled)))


# --- a family ---------------------------------------------------------------------------------------


def test_a_family_of_four_on_a_slot_with_three_places_is_refused_whole(client, db):
    make_site(db, capacity=3, counters=1)
    start = at(TOMORROW, 8)

    answer = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4)))

    assert answer.status_code == 409
    assert answer.json()["code"] == "visit_does_not_fit"
    assert "4 orang" in answer.json()["detail"] and "Tidak ada yang dipesan" in answer.json()["detail"]
    english = client.post(
        VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4)), headers={"Accept-Language": "en"}
    )
    assert "no room for 4 person(s)" in english.json()["detail"]
    assert active(db) == []
    assert remaining(client, start) == 3
    no_violations(db)


def test_a_family_of_four_refused_at_the_last_write_leaves_nothing_taken(client, db):
    """Four places free across two counters, then one taken: the early check passes no more, nothing half-held."""
    make_site(db, capacity=2, counters=2)
    start = at(TOMORROW, 8)
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(start, 9)).status_code == 201

    answer = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4)))

    assert answer.status_code == 409 and answer.json()["code"] == "visit_does_not_fit"
    assert len(active(db)) == 1
    assert remaining(client, start) == 3
    no_violations(db)


def test_a_family_of_three_takes_three_places_under_one_code(client, db):
    make_site(db, capacity=3, counters=1)
    start = at(TOMORROW, 8)

    answer = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3)))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "confirmed" and body["citizen"]["nik"].endswith("0001")
    assert body["manage_url"] == f"http://antrian.test/b/{body['code']}?token={body['manage_token']}"
    assert [member["citizen"]["nik"][-4:] for member in body["visit"]] == ["0002", "0003"]
    assert {member["start"] for member in body["visit"]} == {body["start"]}
    assert remaining(client, start) == 0
    shown = client.get(f"/api/v1/bookings/{body['code']}", headers={"X-Booking-Token": body["manage_token"]}).json()
    assert [member["code"] for member in shown["visit"]] == [member["code"] for member in body["visit"]]
    no_violations(db)


def test_a_familys_confirmation_is_one_message_per_channel_listing_the_three(client, db):
    make_site(db, capacity=3, counters=1)
    body = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2, 3))).json()
    from workers.tasks import booking_facts

    with db.write() as session:
        confirmations = list(session.scalars(select(Notification).where(Notification.kind == "booking_confirmed")))
        assert sorted(row.channel for row in confirmations) == ["email", "sms"]  # once, on the lead
        email = next(row for row in confirmations if row.channel == "email")
        job = outbox.start_sending(session, email.id, dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC),
                                   lease=dt.timedelta(minutes=1))  # fmt: skip
        facts = booking_facts(job.booking, visit=job.visit)
    text = render("booking_confirmed", "email", "id", facts).text
    assert body["code"] in text
    for n in (1, 2, 3):
        assert f"Warga Nomor {n}" in text
    assert text.count("Perekaman KTP-el - Dinas Kependudukan") == 3
    sms = render("booking_confirmed", "sms", "id", facts).text
    assert "(3 orang)" in sms and body["code"] in sms


def test_a_family_spreads_over_the_counters_when_none_has_room_for_all(client, db):
    make_site(db, capacity=2, counters=2)
    start = at(TOMORROW, 8)

    body = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3))).json()

    counters = [body["counter"]["label"]] + [member["counter"]["label"] for member in body["visit"]]
    assert sorted(counters) == ["Loket 1", "Loket 1", "Loket 2"]
    assert remaining(client, start) == 1
    no_violations(db)


def test_each_family_member_keeps_the_one_booking_a_day_rule(client, db):
    make_site(db, capacity=4, counters=1)
    assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 2)).status_code == 201

    answer = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2, 3)))

    assert answer.status_code == 409 and answer.json()["code"] == "duplicate_booking"
    assert len(active(db)) == 1
    no_violations(db)


def test_a_family_larger_than_the_site_allows_or_with_a_nik_twice_is_refused_by_field(client, db):
    make_site(db, capacity=10, counters=1)
    start = at(TOMORROW, 8)

    too_many = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4, 5))).json()
    twice = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 2))).json()

    assert [(e["field"], e["code"]) for e in too_many["errors"]] == [("citizens", "family_size")]
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("citizens[2].nik", "nik_repeated")]
    assert active(db) == []


def test_cancelling_the_lead_cancels_every_member_and_gives_each_place_back_once(client, db):
    make_site(db, capacity=3, counters=1)
    start = at(TOMORROW, 8)
    body = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3))).json()
    token = {"X-Booking-Token": body["manage_token"]}

    first = client.post(f"/api/v1/bookings/{body['code']}/cancel", headers=token)
    again = client.post(f"/api/v1/bookings/{body['code']}/cancel", headers=token)

    assert first.status_code == 200 and again.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert [member["status"] for member in first.json()["visit"]] == ["cancelled", "cancelled"]
    assert active(db) == []
    assert remaining(client, start) == 3
    no_violations(db)
    with db.read() as session:
        notices = session.scalars(select(Notification).where(Notification.kind == "booking_cancelled")).all()
    assert sorted(row.channel for row in notices) == ["email", "sms"]


def test_a_visit_is_not_rescheduled_piece_by_piece(client, db):
    make_site(db, capacity=3, counters=1)
    body = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2))).json()

    moved = client.post(
        f"/api/v1/bookings/{body['code']}/reschedule", json={"start": at(TOMORROW, 9)},
        headers={"X-Booking-Token": body["manage_token"]},
    )  # fmt: skip

    assert moved.status_code == 409 and moved.json()["code"] == "invalid_transition"


def test_erasing_the_leads_data_erases_every_members(client, db):
    make_site(db, capacity=3, counters=1)
    body = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2, 3))).json()

    token = {"X-Booking-Token": body["manage_token"]}
    held = client.get(f"/api/v1/bookings/{body['code']}/personal-data", headers=token).json()
    assert [member["citizen"]["name"] for member in held["visit"]] == ["Warga Nomor 2", "Warga Nomor 3"]
    page = client.get(f"/b/{body['code']}/data-pribadi", params={"token": body["manage_token"]}).text
    shown = page[page.index('data-testid="visit-personal-data"') :]
    assert "Warga Nomor 2" in shown and "Warga Nomor 3" in shown and nik(2)[-4:] in shown

    erased = client.post(f"/api/v1/bookings/{body['code']}/erase", headers=token)

    assert erased.status_code == 200
    assert [member["citizen"]["name"] for member in erased.json()["visit"]] == [None, None]
    assert all(member["erased_at"] for member in erased.json()["visit"])
    with db.read() as session:
        rows = session.scalars(select(Booking)).all()
    assert len(rows) == 3
    assert all(row.citizen_name is None and row.citizen_nik_hash is None for row in rows)
    assert all(row.status == BookingStatus.cancelled for row in rows)
    no_violations(db)


def test_the_admin_sets_how_large_a_family_may_be(client, db):
    make_site(db, capacity=3, counters=2)
    make_staff(db, "kepala", role="admin")
    admin = bearer(client, "kepala")
    start = at(TOMORROW, 8)
    assert client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4, 5))).status_code == 422

    changed = client.patch("/api/v1/admin/site", json={"family_max": 6, "visit_walk_minutes": 0}, headers=admin)
    out_of_range = client.patch("/api/v1/admin/site", json={"family_max": 11}, headers=admin)

    assert changed.status_code == 200 and changed.json()["family_max"] == 6
    assert out_of_range.status_code == 422
    answer = client.post(VISITS, json=visit_body([("KTP", start)], family(1, 2, 3, 4, 5)))
    assert answer.status_code == 201 and len(answer.json()["visit"]) == 4
    no_violations(db)


def test_a_visit_honours_idempotency_key(client, db):
    make_site(db, capacity=3, counters=1)
    body = visit_body([("KTP", at(TOMORROW, 8))], family(1, 2))
    key = {"Idempotency-Key": "keluarga-1"}

    first = client.post(VISITS, json=body, headers=key)
    replay = client.post(VISITS, json=body, headers=key)
    other = client.post(VISITS, json={**body, "locale": "en"}, headers=key)

    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["code"] == first.json()["code"] and replay.json()["visit"] == first.json()["visit"]
    assert replay.json()["manage_token"] == first.json()["manage_token"]
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert len(active(db)) == 2


# --- a chain of services ------------------------------------------------------------------------------


@pytest.fixture
def three_agencies(db):
    """KTP at Dukcapil (two counters of two), BPJS and BANK each at one counter with one place."""
    make_site(db, capacity=2, counters=2)
    add_agency(db, "uji", "bpjs", "BPJS", "Loket BPJS", capacity=1)
    add_agency(db, "uji", "bank", "BANK", "Loket BANK", capacity=1)


def test_proposals_chain_the_services_with_the_walking_margin(client, db, three_agencies):
    proposals = client.get(f"{VISITS}/proposals?services=KTP,BPJS,BANK&date={TOMORROW}").json()

    first = proposals[0]["steps"]
    assert [step["service"] for step in first] == ["KTP", "BPJS", "BANK"]
    # 30-minute slots and a 10-minute walk: each next step is the first slot starting 10 minutes after the end
    assert [step["start"] for step in first] == [at(TOMORROW, 8), at(TOMORROW, 9), at(TOMORROW, 10)]
    assert all(
        dt.datetime.fromisoformat(after["start"]) >= dt.datetime.fromisoformat(before["end"]) + dt.timedelta(minutes=10)
        for proposal in proposals
        for before, after in zip(proposal["steps"], proposal["steps"][1:], strict=False)
    )


def test_a_chain_of_three_services_is_booked_under_one_code(client, db, three_agencies):
    steps = [("KTP", at(TOMORROW, 8)), ("BPJS", at(TOMORROW, 9)), ("BANK", at(TOMORROW, 10, 30))]

    answer = client.post(VISITS, json=visit_body(steps, family(1)))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [body["service"]["code"]] + [m["service"]["code"] for m in body["visit"]] == ["KTP", "BPJS", "BANK"]
    assert [m["agency"]["slug"] for m in body["visit"]] == ["bpjs", "bank"]
    assert remaining(client, at(TOMORROW, 9), "BPJS") == 0 and remaining(client, at(TOMORROW, 10, 30), "BANK") == 0
    with db.read() as session:
        confirmations = session.scalars(select(Notification).where(Notification.kind == "booking_confirmed")).all()
    assert len(confirmations) == 2  # sms and email, on the lead only
    no_violations(db)


def test_a_chain_whose_third_step_is_full_is_refused_whole(client, db, three_agencies):
    other = [("BANK", at(TOMORROW, 10, 30))]
    assert client.post(VISITS, json=visit_body(other, family(9))).status_code == 201
    steps = [("KTP", at(TOMORROW, 8)), ("BPJS", at(TOMORROW, 9)), ("BANK", at(TOMORROW, 10, 30))]

    answer = client.post(VISITS, json=visit_body(steps, family(1)))

    assert answer.status_code == 409
    assert answer.json()["code"] == "visit_does_not_fit" and "langkah 3" in answer.json()["detail"]
    assert len(active(db)) == 1  # only the other citizen's
    assert remaining(client, at(TOMORROW, 8)) == 4 and remaining(client, at(TOMORROW, 9), "BPJS") == 1
    no_violations(db)


def test_a_chain_whose_steps_overlap_is_refused_by_field(client, db, three_agencies):
    steps = [("KTP", at(TOMORROW, 8)), ("BPJS", at(TOMORROW, 8, 30))]  # KTP ends 08.30: no time to walk

    answer = client.post(VISITS, json=visit_body(steps, family(1)))

    assert answer.status_code == 422
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("steps[1].start", "visit_step_too_close")]
    assert active(db) == []


def test_cancelling_a_chain_gives_back_every_steps_place(client, db, three_agencies):
    steps = [("KTP", at(TOMORROW, 8)), ("BPJS", at(TOMORROW, 9)), ("BANK", at(TOMORROW, 10, 30))]
    body = client.post(VISITS, json=visit_body(steps, family(1))).json()

    cancelled = client.post(
        f"/api/v1/bookings/{body['code']}/cancel", headers={"X-Booking-Token": body["manage_token"]}
    )

    assert cancelled.status_code == 200
    assert active(db) == []
    assert remaining(client, at(TOMORROW, 9), "BPJS") == 1 and remaining(client, at(TOMORROW, 10, 30), "BANK") == 1
    no_violations(db)


def test_the_mpp_closing_one_step_cancels_the_visit_and_tells_the_lead_once(client, db, three_agencies):
    steps = [("KTP", at(TOMORROW, 8)), ("BPJS", at(TOMORROW, 9)), ("BANK", at(TOMORROW, 10, 30))]
    body = client.post(VISITS, json=visit_body(steps, family(1))).json()
    make_staff(db, "kepala", role="admin")
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "agency": "bpjs", "reason": "Listrik padam"}

    closed = client.post("/api/v1/admin/closures?force=true", json=closure, headers=bearer(client, "kepala"))

    assert closed.status_code == 201, closed.text
    assert active(db) == []  # the KTP and BANK steps went with it: the visit was booked whole
    assert remaining(client, at(TOMORROW, 8)) == 4 and remaining(client, at(TOMORROW, 10, 30), "BANK") == 1
    from workers.tasks import booking_facts

    with db.write() as session:
        told = session.scalars(select(Notification).where(Notification.kind == "booking_cancelled")).all()
        lead = session.scalar(select(Booking).where(Booking.code == body["code"].replace("-", "")))
        assert sorted((n.booking_id, n.channel) for n in told) == [(lead.id, "email"), (lead.id, "sms")]
        email = next(n for n in told if n.channel == "email")
        job = outbox.start_sending(session, email.id, dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC),
                                   lease=dt.timedelta(minutes=1))  # fmt: skip
        facts = booking_facts(job.booking, visit=job.visit)
    text = render("booking_cancelled", "email", "id", facts).text
    assert "Listrik padam" in text and body["code"] in text
    no_violations(db)


def test_a_closure_that_takes_every_place_of_a_family_cancels_it_once(client, db):
    make_site(db, capacity=3, counters=1)
    client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2, 3)))
    make_staff(db, "kepala", role="admin")
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "reason": "Banjir"}

    closed = client.post("/api/v1/admin/closures?force=true", json=closure, headers=bearer(client, "kepala"))

    assert closed.status_code == 201, closed.text
    assert active(db) == []
    with db.read() as session:
        told = session.scalars(select(Notification.channel).where(Notification.kind == "booking_cancelled")).all()
    assert sorted(told) == ["email", "sms"]  # once, on the lead
    no_violations(db)


def test_a_visit_spends_the_same_per_client_allowance_as_booking(settings, db, clock):
    from litestar.testing import TestClient

    from booking.http.app import create_app

    make_site(db, capacity=4, counters=1)
    limited = settings.model_copy(update={"rate_limit_per_minute": 2})
    with TestClient(create_app(limited, db=db, clock=clock)) as client:
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), 9)).status_code == 201
        assert client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 9))], family(1, 2))).status_code == 201
        refused = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 9, 30))], family(3, 4)))

    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert len(active(db)) == 3


def test_the_leads_page_lists_the_visit_and_cancelling_there_cancels_all(client, db):
    make_site(db, capacity=3, counters=1)
    body = client.post(VISITS, json=visit_body([("KTP", at(TOMORROW, 8))], family(1, 2, 3))).json()
    page = client.get(f"/b/{body['code']}?token={body['manage_token']}")

    assert page.status_code == 200
    assert "Kunjungan ini" in page.text
    for code in [body["code"]] + [member["code"] for member in body["visit"]]:
        assert code in page.text
    assert "jadwal-ulang" not in page.text  # a visit is cancelled and booked again, not moved piece by piece
    assert "batal" in page.text
