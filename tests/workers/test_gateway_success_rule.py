"""BOOKING_NOTIFY_WHATSAPP_SUCCESS through the real worker: a gateway that answers 200 with an error in its
body leaves the message unsent (to be retried), with the reason in the outbox; the SMS gateway beside it,
which has no rule, is believed on its 200."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.models import Notification
from tests.factories import make_site
from tests.gateways import HttpGateway, wait_until
from tests.server import running_server
from tests.worker import WORKER_DEADLINE_S, running, worker_env
from tests.workers.test_delivery import book

pytestmark = pytest.mark.slow


def test_a_200_that_says_failed_is_not_sent_and_says_why(database_url, db, gateway, tmp_path):
    make_site(db)
    whatsapp = HttpGateway(answer=b'{"status": "failed", "reason": "saldo tidak cukup"}')
    try:
        env = worker_env(database_url, tmp_path / "data", sms=gateway.url("sms"), whatsapp=whatsapp.url("wa"))
        env["BOOKING_NOTIFY_WHATSAPP_SUCCESS"] = r'"status":\s*"(sent|queued)"'
        extra = {key: value for key, value in env.items() if key.startswith("BOOKING_")}
        with (
            running(["worker", "--beat"], env, tmp_path / "worker.log"),
            running_server(database_url, tmp_path / "data", extra_env=extra) as base,
        ):
            made = book(base, channels=["sms", "whatsapp"])

            def confirmations() -> dict[str, Notification]:
                with db.read() as session:
                    rows = session.scalars(select(Notification).where(Notification.kind == "booking_confirmed"))
                    return {row.channel: row for row in rows}

            seen: dict[str, Notification] = {}

            def first_attempt_over() -> bool:
                """SMS sent, and WhatsApp's first attempt finished: the worker marks a row 'sending' (attempts
                counted) before it calls the gateway, so that alone is not the outcome."""
                seen.update(confirmations())
                return (
                    seen["sms"].status == "sent"
                    and seen["whatsapp"].status != "sending"
                    and seen["whatsapp"].attempts >= 1
                )

            assert wait_until(first_attempt_over, timeout=WORKER_DEADLINE_S), {c: r.status for c, r in seen.items()}
            row = seen["whatsapp"]  # the row as the attempt left it (a retry, 24 s or more later, may follow)
            assert row.status == "pending" and row.sent_at is None  # to be tried again later, with backoff
            assert row.last_error == "HTTP 200, but the answer does not say sent"
            asked = whatsapp.received("wa")
            assert asked and made["code"] in asked[0].payload["message"]  # the gateway was asked, and said no
    finally:
        whatsapp.close()
