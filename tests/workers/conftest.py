"""Brokers for the worker tests: the embedded default (a folder) and a real Redis (required under CI=true)."""

from __future__ import annotations

import pytest

from tests.gateways import HttpGateway, SmtpServer
from tests.redis_server import fresh_redis_url


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def broker_url(request) -> str:
    return "" if request.param == "embedded" else fresh_redis_url()


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
