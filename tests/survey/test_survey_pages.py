"""The survey's page (no JavaScript), the survey on a done ticket's page, and the SKM report's page."""

from __future__ import annotations

import datetime as dt
import re

from booking.survey import survey_path
from tests.queue.pages import csrf, shown, sign_in, take_walk_in, walk_in_form
from tests.survey.conftest import answers, serve_visit, surveys, token_of

PAGE_BUDGET_BYTES = 60 * 1024


def survey_page(floor) -> str:
    return survey_path("uji", token_of(surveys(floor.db)[0]))


def test_the_page_asks_the_nine_elements_with_their_worded_answers_within_the_budget(floor):
    serve_visit(floor)
    page = floor.client.get(survey_page(floor))
    assert page.status_code == 200
    assert 4 * 1024 < len(page.content) < PAGE_BUDGET_BYTES  # the whole page, its one stylesheet aside
    assert page.text.count("<fieldset") == 9
    assert len(re.findall(r'type="radio" name="u\d"', page.text)) == 36
    assert "Unsur 1 dari 9: Persyaratan" in page.text and "Unsur 9 dari 9: Sarana dan prasarana" in page.text
    assert "Sangat sopan dan ramah" in page.text and "Dikelola dengan baik" in page.text
    assert "<script" not in page.text
    english = floor.client.get(survey_page(floor), params={"lang": "en"})
    assert "Element 7 of 9: Conduct of the staff" in english.text


def test_a_missing_answer_is_said_by_its_question_and_nothing_chosen_is_lost(floor):
    serve_visit(floor)
    path = survey_page(floor)
    form = {
        "_csrf_token": csrf(floor.client, path),
        **{f"u{n}": "3" for n in range(1, 10)},
        "comment": "Ruang tunggu panas",
    }
    del form["u4"]
    refused = floor.client.post(path, data=form)
    assert refused.status_code == 422
    assert 'id="u4-error"' in refused.text and "unsur ke-4" in refused.text
    assert refused.text.count(" checked") == 8
    assert "Ruang tunggu panas</textarea>" in refused.text
    assert answers(floor.db) == []


def test_an_answer_is_thanked_and_a_second_one_changes_nothing(floor):
    serve_visit(floor)
    path = survey_page(floor)
    form = {"_csrf_token": csrf(floor.client, path), **{f"u{n}": "4" for n in range(1, 10)}}
    sent = floor.client.post(path, data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?terima=1")
    assert shown(floor.client.get(sent.headers["location"]).text)["survey-thanks"].startswith("Terima kasih. Jawaban")
    again = floor.client.post(path, data={**form, "u1": "1"})
    assert again.status_code == 200
    assert "sudah dijawab sebelumnya" in shown(again.text)["survey-thanks"]
    assert [row.u1 for row in answers(floor.db)] == [4]


def test_an_expired_or_unknown_link_says_so(floor):
    serve_visit(floor)
    path = survey_page(floor)
    floor.clock.advance(days=7)
    expired = floor.client.get(path)
    assert expired.status_code == 410 and "sudah tidak berlaku sejak Senin, 7 Desember 2026" in expired.text
    unknown = floor.client.get("/s/uji/survei/" + "A" * 38)
    assert unknown.status_code == 404 and "Survei tidak ditemukan" in unknown.text


def test_a_walk_in_without_a_phone_finds_the_survey_on_their_done_ticket(floor):
    floor.at(8, 5)
    taken = take_walk_in(floor.client, walk_in_form(floor.client), follow=True)
    ticket = shown(taken.text)["ticket-number"]
    assert "ticket-survey" not in floor.client.get(f"/t/uji/{ticket}").text
    floor.called()
    assert floor.step(ticket, "done").status_code == 200
    page = floor.client.get(f"/t/uji/{ticket}")
    link = re.search(r'href="http://antrian.test(/s/uji/survei/[^"]+)" data-testid="ticket-survey"', page.text)
    assert link, page.text
    assert "Refresh" not in page.headers  # served: the page no longer reloads itself
    survey_form = floor.client.get(link.group(1))
    assert survey_form.status_code == 200 and "Perekaman KTP-el" in survey_form.text
    data = {"_csrf_token": csrf(floor.client, link.group(1)), **{f"u{n}": "2" for n in range(1, 10)}}
    assert floor.client.post(link.group(1), data=data, follow_redirects=False).status_code == 303
    assert "ticket-survey" not in floor.client.get(f"/t/uji/{ticket}").text  # answered: nothing more to ask


def test_a_citizen_who_gets_the_survey_by_message_is_not_offered_it_on_the_public_ticket_page(floor):
    code = floor.book(8, 30)  # SMS
    floor.at(8, 20)
    ticket = floor.ticket(code)
    floor.called()
    assert floor.step(ticket, "done").status_code == 200
    page = floor.client.get(f"/t/uji/{ticket}")
    assert page.status_code == 200 and "ticket-survey" not in page.text
    assert len(surveys(floor.db)) == 1  # the survey is there, and its link goes by SMS


def test_the_report_page_shows_a_clerks_own_agency_and_refuses_another(floor):
    serve_visit(floor)
    floor.client.post(f"/api/v1/sites/uji/surveys/{token_of(surveys(floor.db)[0])}", json={"answers": [3] * 9})
    sign_in(floor.client, "ani")
    page = floor.client.get("/staff/laporan/skm", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    facts = shown(page.text)
    assert (facts["skm-respondents"], facts["skm-index"], facts["skm-score"]) == ("1", "3,000", "75,00")
    assert facts["skm-grade"] == "C (Kurang baik)"
    other = floor.client.get("/staff/laporan/skm", params={"agency": "samsat"})
    assert other.status_code == 403
    reversed_range = floor.client.get("/staff/laporan/skm", params={"from": "2026-11-30", "to": "2026-11-01"})
    assert reversed_range.status_code == 422 and "tidak boleh sebelum" in reversed_range.text
    alias = floor.client.get("/admin/laporan/skm?from=2026-11-01", follow_redirects=False)
    assert alias.status_code == 303 and alias.headers["location"] == "/staff/laporan/skm?from=2026-11-01"
    assert dt.date(2026, 11, 30)  # the visit's day, inside the period
