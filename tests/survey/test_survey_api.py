"""The survey through the API: made once per served visit, one answer, clear refusals, an expiring link."""

from __future__ import annotations

import datetime as dt

from booking import counter_work
from booking.survey import survey_token
from tests.factories import at, booking_body
from tests.queue.conftest import TODAY
from tests.survey.conftest import NINE_FOURS, answers, serve_visit, survey_messages, surveys, token_of

SURVEY = "/api/v1/sites/uji/surveys/{token}"


def test_a_served_visit_gets_one_survey_and_one_message_on_the_citizens_channel(floor):
    code = serve_visit(floor)
    [made] = surveys(floor.db)
    [message] = survey_messages(floor.db)
    assert message.channel == "sms" and message.status == "pending"
    assert made.visit_date == dt.date(2026, 11, 30)
    assert made.expires_at == floor.clock.now + dt.timedelta(days=7)
    shown = floor.client.get(SURVEY.format(token=token_of(made)))
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["answered"] is False
    assert body["agency"]["slug"] == "dukcapil" and body["service"]["code"] == "KTP"
    assert body["date"] == "2026-11-30"
    assert [element["element"] for element in body["elements"]] == [
        "persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana",
    ]  # fmt: skip
    assert body["elements"][0]["options"] == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert code  # the booking is served: its survey exists once


def test_the_first_answer_is_recorded_and_a_second_is_thanked_and_changes_nothing(floor):
    serve_visit(floor)
    token = token_of(surveys(floor.db)[0])
    first = floor.client.post(
        SURVEY.format(token=token), json={"answers": [4, 3, 4, 3, 4, 3, 4, 3, 2], "comment": "Cepat"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["recorded"] is True
    second = floor.client.post(SURVEY.format(token=token), json={"answers": [1] * 9}, headers={"Accept-Language": "en"})
    assert second.status_code == 200, second.text
    assert second.json() == {
        "recorded": False,
        "detail": "Thank you. This survey was answered before; that answer is the one recorded.",
    }
    [kept] = answers(floor.db)
    assert [getattr(kept, f"u{n}") for n in range(1, 10)] == [4, 3, 4, 3, 4, 3, 4, 3, 2]
    assert kept.comment == "Cepat"
    assert floor.client.get(SURVEY.format(token=token)).json()["answered"] is True


def test_a_clerks_serve_at_the_counter_also_ends_the_visit_with_a_survey(floor):
    code = floor.book(8, 30)
    floor.at(8, 25)
    assert floor.client.post(f"/api/v1/staff/bookings/{code}/check-in", headers=floor.ani).status_code == 200
    assert floor.client.post(f"/api/v1/staff/bookings/{code}/serve", headers=floor.ani).status_code == 200
    assert len(surveys(floor.db)) == 1 and len(survey_messages(floor.db)) == 1


def test_no_survey_for_a_no_show_a_missed_ticket_or_a_cancelled_booking(floor):
    missed = floor.book(8, 30)
    floor.book(8, 0)  # never comes: the sweep makes it a no-show
    made = floor.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 9), n=90))
    assert made.status_code == 201, made.text
    cancel = floor.client.post(
        f"/api/v1/bookings/{made.json()['code']}/cancel", headers={"X-Booking-Token": made.json()["manage_token"]}
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    floor.at(8, 20)
    ticket = floor.ticket(missed)
    floor.at(8, 30)
    floor.called()
    for _ in range(2):
        floor.step(ticket, "recall")
    assert floor.step(ticket, "missed").status_code == 200
    with floor.db.write() as session:
        assert counter_work.sweep_no_shows(session, floor.clock.now + dt.timedelta(hours=1)) == 1
    assert surveys(floor.db) == [] and survey_messages(floor.db) == []


def test_no_message_when_the_citizen_chose_no_messages_but_the_survey_is_there(floor):
    made = floor.client.post(
        "/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 8, 30), n=77, channels=[], no_messages=True)
    )
    assert made.status_code == 201, made.text
    floor.at(8, 20)
    ticket = floor.ticket(made.json()["code"])
    floor.called()
    floor.step(ticket, "done")
    assert len(surveys(floor.db)) == 1
    assert survey_messages(floor.db) == []


def test_bad_answers_are_refused_by_the_field_in_the_callers_language(floor):
    serve_visit(floor)
    url = SURVEY.format(token=token_of(surveys(floor.db)[0]))
    cases = [
        ({"answers": [4] * 8}, "answers", "survey_answer_count"),
        ({"answers": [4] * 10}, "answers", "survey_answer_count"),
        ({"answers": [4, 4, 0, 4, 4, 4, 4, 4, 4]}, "answers[2]", "survey_answer_range"),
        ({"answers": [4, 4, 4, 4, 4, 4, 4, 4, 5]}, "answers[8]", "survey_answer_range"),
        ({}, "answers", "survey_answer_count"),
        ({"answers": ["baik"] * 9}, "answers[0]", "type_invalid"),
        ({"answers": NINE_FOURS, "comment": "x" * 1001}, "comment", "comment_too_long"),
    ]
    for body, field, code in cases:
        refused = floor.client.post(url, json=body)
        assert refused.status_code == 422, (body, refused.text)
        problem = refused.json()
        assert problem["code"] == "validation_error"
        assert (problem["errors"][0]["field"].split(".")[0], problem["errors"][0]["code"]) == (field, code), body
    english = floor.client.post(url, json={"answers": [4, 4, 0, 4, 4, 4, 4, 4, 4]}, headers={"Accept-Language": "en"})
    assert (
        english.json()["errors"][0]["message"] == "Choose one of the four answers for element 3 (a number from 1 to 4)."
    )
    indonesian = floor.client.post(url, json={"answers": [4] * 8})
    assert indonesian.json()["errors"][0]["message"].startswith("Jawab kesembilan unsur survei")
    assert answers(floor.db) == []


def test_the_link_expires_after_the_sites_days_and_an_unknown_or_forged_token_opens_nothing(floor):
    changed = floor.client.patch("/api/v1/admin/site", json={"survey_link_days": 2}, headers=floor.admin)
    assert changed.status_code == 200 and changed.json()["survey_link_days"] == 2
    assert (
        floor.client.patch("/api/v1/admin/site", json={"survey_link_days": 0}, headers=floor.admin).status_code == 422
    )
    serve_visit(floor)
    made = surveys(floor.db)[0]
    url = SURVEY.format(token=token_of(made))
    floor.clock.now = made.expires_at - dt.timedelta(seconds=1)
    assert floor.client.get(url).status_code == 200
    floor.clock.now = made.expires_at
    expired = floor.client.get(url)
    assert expired.status_code == 410 and expired.json()["code"] == "survey_expired"
    late = floor.client.post(url, json={"answers": NINE_FOURS}, headers={"Accept-Language": "en"})
    assert late.status_code == 410
    assert late.json()["detail"] == "This survey link expired on Wednesday 2 December 2026. Thank you for your visit."
    assert answers(floor.db) == []
    forged = made.public_id + survey_token("another-secret", made.public_id)[len(made.public_id) :]
    for token in (forged, "x" * 38, "nothing", made.public_id + "%00" * 22):
        assert floor.client.get(SURVEY.format(token=token)).status_code == 404
        assert floor.client.post(SURVEY.format(token=token), json={"answers": NINE_FOURS}).status_code == 404
