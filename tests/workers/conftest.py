"""Brokers for the worker tests: the embedded default (a folder) and a real Redis (required under CI=true)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from tests.gateways import HttpGateway, SmtpServer

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def broker_url(request) -> str:
    if request.param == "embedded":
        return ""
    if not _redis_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Redis not reachable at 127.0.0.1:6379 — CI=true requires it")
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    # A database of its own per test keeps tests from reading each other's wake-ups.
    number = uuid.uuid4().int % 15 + 1
    import redis

    redis.Redis(*REDIS, db=number).flushdb()
    return f"redis://{REDIS[0]}:{REDIS[1]}/{number}"


@pytest.fixture
def gateway():
    server = HttpGateway()
    yield server
    server.close()


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.close()
