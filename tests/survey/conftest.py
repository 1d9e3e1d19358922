"""The survey's tests share the queue's day on the floor (tests/queue/conftest.py) and a few helpers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.models import Notification, Survey, SurveyAnswer
from booking.survey import survey_token
from tests.factories import add_agency, bearer, make_site, make_staff
from tests.queue.conftest import Floor

SECRET = "test-secret"  # tests/conftest.py's settings
NINE_FOURS = [4] * 9


@pytest.fixture
def floor(client, db, clock) -> Floor:
    make_site(db)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "budi", agency="samsat")
    make_staff(db, "kepala", role="admin")
    return Floor(client, clock, db, bearer(client, "ani"), bearer(client, "budi"), bearer(client, "kepala"))


def serve_visit(floor: Floor, hour: int = 8, minute: int = 30, **book) -> str:
    """A booked citizen comes, is called, and is done: the booking's code."""
    code = floor.book(hour, minute, **book)
    floor.at(hour, minute - 10 if minute >= 10 else minute)
    floor.ticket(code)
    ticket = floor.called()
    answer = floor.step(ticket, "done")
    assert answer.status_code == 200, answer.text
    return code


def surveys(db) -> list[Survey]:
    with db.read() as session:
        return list(session.scalars(select(Survey).order_by(Survey.id)))


def survey_messages(db) -> list[Notification]:
    with db.read() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == "survey")))


def answers(db) -> list[SurveyAnswer]:
    with db.read() as session:
        return list(session.scalars(select(SurveyAnswer)))


def token_of(found: Survey) -> str:
    return survey_token(SECRET, found.public_id)
