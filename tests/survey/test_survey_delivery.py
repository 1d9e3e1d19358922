"""The survey's message goes out exactly once per visit, through a real Celery worker to a real gateway, on
the citizen's channel, and never for a no-show or a cancelled booking.

Six citizens book for Monday morning (the clinic's reminders are off, so only confirmations and surveys go
out). A is served at Dindukcapil, sent on to Samsat and served there too: one visit, one survey. B is
checked in and served at the counter (the schedule's buttons). C is called and missed, D cancels, E never
comes (the sweep makes it a no-show). F asked for WhatsApp. Then a worker runs: A and B each get one survey
by SMS, F one by WhatsApp, C, D and E none; each link opens its own survey and takes its answer.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from booking import counter_work
from booking.models import Notification, NotificationStatus, Site, Survey
from tests.factories import at, booking_body
from tests.gateways import HttpGateway, wait_until
from tests.queue.conftest import TODAY
from tests.survey.conftest import NINE_FOURS, SECRET, survey_messages
from tests.worker import WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow
LINK = re.compile(r"http://antrian\.test(/s/uji/survei/[A-Za-z0-9_-]+)")


def settled(db) -> bool:
    with db.read() as session:
        return not session.scalars(
            select(Notification.id).where(
                Notification.status.in_([NotificationStatus.pending, NotificationStatus.sending])
            )
        ).all()


def test_each_served_visit_hears_of_its_survey_once_and_no_one_else_does(floor, database_url, tmp_path):
    with floor.db.write() as session:
        session.execute(update(Site).values(reminder_day_before_at=None, reminder_soon_minutes=None))
    a, b, c = floor.book(8, 30), floor.book(8, 30), floor.book(9, 0)
    e = floor.book(8, 0)
    made = floor.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 9, 30), n=80))
    cancelled = floor.client.post(
        f"/api/v1/bookings/{made.json()['code']}/cancel", headers={"X-Booking-Token": made.json()["manage_token"]}
    )
    assert cancelled.status_code == 200
    f = floor.client.post(
        "/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 11), n=81, channels=["whatsapp"])
    ).json()["code"]

    floor.at(8, 20)
    ticket_a = floor.ticket(a)
    assert floor.called("Loket 1") == ticket_a
    assert floor.step(ticket_a, "transfer", service="PKB").status_code == 200
    assert floor.call("Loket 9", floor.budi).status_code == 200
    assert floor.step(ticket_a, "done", floor.budi).status_code == 200
    for step in ("check-in", "serve"):
        assert floor.client.post(f"/api/v1/staff/bookings/{b}/{step}", headers=floor.ani).status_code == 200
    floor.at(8, 50)
    ticket_c = floor.ticket(c)
    floor.at(9, 0)
    assert floor.called("Loket 2") == ticket_c
    for _ in range(2):
        floor.step(ticket_c, "recall")
    assert floor.step(ticket_c, "missed").status_code == 200
    floor.at(10, 50)
    for step in ("check-in", "serve"):
        assert floor.client.post(f"/api/v1/staff/bookings/{f}/{step}", headers=floor.ani).status_code == 200
    with floor.db.write() as session:
        assert counter_work.sweep_no_shows(session, floor.clock.now) == 1  # E
        # the worker runs on the real clock: the links must not expire under it, whenever the suite runs
        session.execute(update(Survey).values(expires_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)))
    assert len(survey_messages(floor.db)) == 3

    gateway = HttpGateway()
    env = worker_env(database_url, tmp_path / "data", sms=gateway.url("sms"), whatsapp=gateway.url("wa"))
    env["BOOKING_SECRET_KEY"] = SECRET  # the links it writes open with the test app's secret
    try:
        with running(["worker", "--beat"], env, tmp_path / "worker.log"):
            assert wait_until(lambda: settled(floor.db), timeout=WORKER_DEADLINE_S)
        sms = [r.payload for r in gateway.received("sms") if "survei kepuasan" in r.payload["message"]]
        whatsapp = [r.payload for r in gateway.received("wa") if "survei kepuasan" in r.payload["message"]]
    finally:
        gateway.close()

    assert len(sms) == 2 and len(whatsapp) == 1, (sms, whatsapp)
    assert {message["to"] for message in sms + whatsapp} == {"+6281234567890"}
    assert all("/b/" not in message["message"] and "token=" not in message["message"] for message in sms + whatsapp)
    links = {LINK.search(message["message"]).group(1) for message in sms + whatsapp}
    assert len(links) == 3  # three visits, three surveys
    for path in links:
        token = path.rsplit("/", 1)[1]
        answered = floor.client.post(f"/api/v1/sites/uji/surveys/{token}", json={"answers": NINE_FOURS})
        assert answered.status_code == 201, answered.text
    with floor.db.read() as session:
        rated = session.execute(select(Survey.booking_id, Survey.agency_id)).all()
    assert len(rated) == 3 and all(status == "sent" for status in (m.status for m in survey_messages(floor.db)))
    assert e  # E's booking: a no-show, no survey (three surveys: A, B, F)
