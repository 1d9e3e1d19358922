"""The local Redis for tests (required under ``CI=true``, else skipped): a fresh numbered database per test.

Not a test module. ``fresh_redis_url()`` returns ``redis://127.0.0.1:6379/N`` with database N emptied, so
tests never read each other's wake-ups or counts.
"""

from __future__ import annotations

import os
import socket
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)


def redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=2).close()
        return True
    except OSError:
        return False


def fresh_redis_url() -> str:
    if not redis_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis not reachable at 127.0.0.1:6379 — CI=true requires it")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    import redis

    number = uuid.uuid4().int % 15 + 1
    redis.Redis(*REDIS, db=number).flushdb()
    return f"redis://{REDIS[0]}:{REDIS[1]}/{number}"
