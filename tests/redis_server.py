"""The local Redis for tests (required under ``CI=true``, else skipped): a numbered database of the test's own.

Not a test module. ``fresh_redis_url()`` returns ``redis://127.0.0.1:6379/N`` with database N emptied, so
tests never read each other's wake-ups or counts.

Several test runs may share this Redis (developers' runs beside CI's on one machine), and emptying a
database another run is using would lose its messages. So a run claims its database N first (a key in
database 0, set only if absent, that expires on its own if the run dies); one test runs at a time in a pytest
process, so a new claim frees the same process's claims of earlier tests.
"""

from __future__ import annotations

import os
import random
import socket
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)
DATABASES = range(1, 16)  # 0 holds the claims
CLAIM_TTL_S = 3600  # longer than any test; a claim of a run that died ends by itself
CONNECT_TIMEOUT_S = 10.0
_PROCESS = uuid.uuid4().hex
_held: dict[int, str] = {}  # database number -> the test that claimed it


def redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=CONNECT_TIMEOUT_S).close()
        return True
    except OSError:
        return False


def fresh_redis_url() -> str:
    if not redis_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis not reachable at 127.0.0.1:6379 — CI=true requires it")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    import redis

    claims = redis.Redis(*REDIS, db=0, socket_timeout=CONNECT_TIMEOUT_S)
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    for number, holder in list(_held.items()):  # this process's earlier tests are over
        if holder != test:
            _release(claims, number)
    for number in random.sample(DATABASES, len(DATABASES)):
        if claims.set(_claim_key(number), _PROCESS, nx=True, ex=CLAIM_TTL_S):
            _held[number] = test
            redis.Redis(*REDIS, db=number, socket_timeout=CONNECT_TIMEOUT_S).flushdb()
            return f"redis://{REDIS[0]}:{REDIS[1]}/{number}"
    pytest.fail(f"every Redis database {DATABASES.start}-{DATABASES.stop - 1} is claimed by another test run")


def _claim_key(number: int) -> str:
    return f"antrian-tests:database:{number}"


def _release(claims, number: int) -> None:
    key = _claim_key(number)
    if claims.get(key) == _PROCESS.encode():
        claims.delete(key)
    del _held[number]
