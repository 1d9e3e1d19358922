"""Personal data never reaches the server's log: not the NIK, the phone, the e-mail, nor the manage token."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import at, booking_body, make_site
from tests.server import running_server, server_log


@pytest.mark.slow
def test_a_booking_day_leaves_no_personal_data_in_the_log(database_url, db, tmp_path):
    import datetime as dt
    from zoneinfo import ZoneInfo

    make_site(db)
    tomorrow = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date() + dt.timedelta(days=1)
    body = booking_body(at(tomorrow, 11), 7, citizen={"email": "siti.aminah@example.com"}, channels=["sms", "email"])
    data_dir = tmp_path / "server"
    with running_server(database_url, data_dir, log_level="DEBUG") as base:
        made = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=body, timeout=60).json()
        token = made["manage_token"]
        httpx.get(f"{base}/api/v1/bookings/{made['code']}?token={token}", timeout=60).raise_for_status()
        httpx.post(f"{base}/api/v1/bookings/{made['code']}/cancel?token={token}", timeout=60).raise_for_status()
        duplicate = dict(body, start=at(tomorrow, 11, 30))
        erased = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=duplicate, timeout=60).json()
        httpx.post(f"{base}/api/v1/sites/uji/bookings", json=duplicate, timeout=60)  # duplicate_booking
        for step in ("personal-data", "erase"):  # answers holding the data in clear, for its owner only
            url = f"{base}/api/v1/bookings/{erased['code']}/{step}?token={erased['manage_token']}"
            (httpx.get if step == "personal-data" else httpx.post)(url, timeout=60).raise_for_status()

    log = server_log(data_dir)
    assert "/api/v1/bookings/" in log  # the access log is there and was read
    for secret in (body["citizen"]["nik"], "081234567890", "6281234567890", "siti.aminah", token, "Siti Aminah"):
        assert secret not in log
