"""Ten answers to one survey sent at the same moment, through a real server: exactly one is recorded."""

from __future__ import annotations

import threading

import httpx

from booking.http.app import create_app
from tests.inprocess_server import serving
from tests.survey.conftest import answers, serve_visit, surveys, token_of

SENDERS = 10
CLIENT_TIMEOUT_S = 120.0  # a bound: the machine may be loaded


def test_ten_answers_at_once_record_exactly_one(floor, settings, db, clock):
    serve_visit(floor)
    token = token_of(surveys(db)[0])
    start = threading.Barrier(SENDERS)
    statuses: list[int] = []
    recorded: list[bool] = []

    def send(base: str, n: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT_S) as client:
            start.wait()
            answer = client.post(
                f"{base}/api/v1/sites/uji/surveys/{token}", json={"answers": [1 + n % 4] * 9, "comment": f"#{n}"}
            )
        statuses.append(answer.status_code)
        recorded.append(answer.json()["recorded"])

    with serving(create_app(settings, db=db, clock=clock)) as base:
        threads = [threading.Thread(target=send, args=(base, n)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(statuses) == [200] * (SENDERS - 1) + [201]
    assert recorded.count(True) == 1
    [kept] = answers(db)
    number = int(kept.comment.lstrip("#"))
    assert [getattr(kept, f"u{n}") for n in range(1, 10)] == [1 + number % 4] * 9  # one sender's answer, whole
