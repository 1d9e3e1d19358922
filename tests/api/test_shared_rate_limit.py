"""With ``BOOKING_RATE_LIMIT_STORE_URL`` set, API processes share one count per client in Redis: booking
through a second process does not open a second allowance."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from booking.http.app import create_app
from booking.settings import Settings
from tests.factories import TOMORROW, at, booking_body, make_site
from tests.redis_server import fresh_redis_url

pytestmark = pytest.mark.redis
BOOK = "/api/v1/sites/uji/bookings"


@pytest.fixture
def redis_url() -> str:
    return fresh_redis_url()


def api_process(tmp_path, database_url, db, clock, store_url: str, name: str) -> TestClient:
    settings = Settings(
        data_dir=tmp_path / name,
        database_url=database_url,
        secret_key="test-secret",
        rate_limit_per_minute=2,
        rate_limit_store_url=store_url,
        public_url="http://antrian.test",
    )
    return TestClient(create_app(settings, db=db, clock=clock))


def test_two_api_processes_share_one_allowance_per_client(tmp_path, database_url, db, clock, redis_url):
    make_site(db)
    with (
        api_process(tmp_path, database_url, db, clock, redis_url, "first") as first,
        api_process(tmp_path, database_url, db, clock, redis_url, "second") as second,
    ):
        assert first.post(BOOK, json=booking_body(at(TOMORROW, 8), 1)).status_code == 201
        assert second.post(BOOK, json=booking_body(at(TOMORROW, 8), 2)).status_code == 201
        refused = second.post(BOOK, json=booking_body(at(TOMORROW, 8), 3))
        assert refused.status_code == 429, refused.text
        assert first.post(BOOK, json=booking_body(at(TOMORROW, 8), 4)).status_code == 429
