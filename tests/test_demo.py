"""The demo data: MPP Blora's real shape, a WITA site, national holidays; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from booking.demo import load_demo
from booking.http.app import create_app
from booking.models import Agency, Closure, Counter, Service, Site
from tests.factories import FixedClock


@pytest.fixture
def demo(db):
    with db.write() as session:
        first = load_demo(session, dt.date(2026, 11, 30))
    return first


def test_blora_has_31_agencies_and_271_services(db, demo):
    with db.read() as session:
        blora = session.scalar(select(Site).where(Site.slug == "blora"))
        assert session.scalar(select(func.count()).where(Agency.site_id == blora.id)) == 31
        assert session.scalar(select(func.count()).where(Service.site_id == blora.id)) == 271
        counters = session.execute(
            select(Counter.agency_id, func.count()).where(Counter.site_id == blora.id).group_by(Counter.agency_id)
        ).all()
        assert {count for _, count in counters} <= set(range(1, 7))


def test_loading_twice_adds_nothing(db, demo):
    assert demo["services"] == 278 and demo["holidays"] > 20
    with db.write() as session:
        again = load_demo(session, dt.date(2026, 11, 30))
    assert set(again.values()) == {0}


def test_national_holidays_and_cuti_bersama_are_closures(db, demo):
    with db.read() as session:
        reasons = dict(
            session.execute(select(Closure.starts_on, Closure.reason).where(Closure.kind == "holiday")).all()
        )
    assert reasons[dt.date(2026, 12, 25)] == "Hari Raya Natal"
    assert dt.date(2026, 12, 24) in reasons  # cuti bersama


def test_blora_is_open_on_weekdays_shorter_on_friday_and_closed_at_weekends(db, demo, settings):
    clock = FixedClock(dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC))
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        days = client.get("/api/v1/sites/blora/services/DKP-07/availability?from=2026-12-01&to=2026-12-06").json()[
            "days"
        ]
    by_date = {day["date"]: day for day in days}
    tuesday, friday = by_date["2026-12-01"], by_date["2026-12-04"]
    assert tuesday["status"] == friday["status"] == "open"
    assert tuesday["slots"][-1]["end"] == "2026-12-01T15:00:00+07:00"
    assert friday["slots"][-1]["end"] == "2026-12-04T11:00:00+07:00"
    assert not any(slot["start"][11:16] == "12:00" for slot in tuesday["slots"])  # the midday break
    assert by_date["2026-12-05"]["status"] == by_date["2026-12-06"]["status"] == "closed"


def test_the_passport_desk_opens_only_on_tuesday_and_thursday(db, demo, settings):
    clock = FixedClock(dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC))
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        days = client.get("/api/v1/sites/blora/services/IMI-01/availability?from=2026-12-01&to=2026-12-04").json()[
            "days"
        ]
    assert [day["status"] for day in days] == ["open", "closed", "open", "closed"]
