"""The per-client rate limit behind a reverse proxy: it counts the citizen's address, never one a client made up.

Two real ``booking serve`` processes (sharing their counts in Redis, as compose runs them) and, in front of
them, a real Caddy (Debian's ``caddy``) running the repository's own ``Caddyfile``. The API believes
``X-Forwarded-For`` only from ``BOOKING_TRUSTED_PROXIES`` (here 127.0.0.1, where Caddy connects from).
Clients connect from other loopback addresses (127.0.0.2, .3, .4: Linux answers the whole 127/8), so
"outside the proxy" and "another citizen" are real source addresses, not headers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.factories import make_site
from tests.gateways import free_port
from tests.redis_server import fresh_redis_url
from tests.server import running_server, wait_until_healthy

pytestmark = pytest.mark.redis
CADDYFILE = Path(__file__).resolve().parent.parent / "Caddyfile"
CADDY = shutil.which("caddy")
LIMIT = 3  # logins per client per minute
LOGIN = "/api/v1/auth/token"
NOBODY = {"username": "tidak-ada", "password": "salah-sekali"}  # 401, and counted against the client
STARTUP_TIMEOUT_S = 60.0


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def logins(base_url: str, source: str, count: int, spoof: bool = True) -> list[int]:
    """``count`` failed logins from ``source``, each claiming another X-Forwarded-For; their statuses."""
    with client_from(source) as client:
        return [
            client.post(
                f"{base_url}{LOGIN}", json=NOBODY, headers={"X-Forwarded-For": f"203.0.113.{n}"} if spoof else {}
            ).status_code
            for n in range(1, count + 1)
        ]


@contextmanager
def running_caddy(upstreams: list[str], home: Path):
    if CADDY is None:
        message = "caddy is not installed (apt-get install caddy; .ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "CADDY_ADMIN": "off",
        "ANTRIAN_DOMAIN": f"http://127.0.0.1:{port}",
        "ANTRIAN_UPSTREAMS": "to " + " ".join(upstream.removeprefix("http://") for upstream in upstreams),
    }
    log = home / "caddy.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=home,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        healthy = wait_until_healthy(process, base_url, log, STARTUP_TIMEOUT_S)
        assert healthy, f"caddy exited: {log.read_text(errors='replace')[-3000:]}"
        yield base_url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def login_requests_counted(base_url: str) -> float:
    """How many login requests this one API process answered, from its own /metrics."""
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("antrian_requests_total{") and 'path="/api/v1/auth/token"' in line
    )


@pytest.fixture
def two_apis_behind_caddy(database_url, db, tmp_path):
    make_site(db)
    environment = {
        "BOOKING_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "BOOKING_RATE_LIMIT_STORE_URL": fresh_redis_url(),
        "BOOKING_TRUSTED_PROXIES": "127.0.0.1",
    }
    with ExitStack() as stack:
        apis = [
            stack.enter_context(running_server(database_url, tmp_path / f"api-{n}", extra_env=environment))
            for n in (1, 2)
        ]
        proxy, log = stack.enter_context(running_caddy(apis, tmp_path / "caddy"))
        yield apis, proxy, log


def test_a_spoofed_forwarded_for_from_outside_the_proxy_is_ignored(two_apis_behind_caddy):
    apis, _, _ = two_apis_behind_caddy
    statuses = logins(apis[0], "127.0.0.2", LIMIT + 2)
    assert statuses[:LIMIT] == [401] * LIMIT  # counted by the address that connected, whatever it claimed
    assert statuses[LIMIT:] == [429, 429]
    assert logins(apis[1], "127.0.0.2", 1) == [429]  # the other process shares the count


def test_through_caddy_each_citizen_has_their_own_budget_and_cannot_spoof_another(two_apis_behind_caddy):
    apis, proxy, _ = two_apis_behind_caddy
    first = logins(proxy, "127.0.0.3", LIMIT + 2)
    assert first == [401] * LIMIT + [429, 429]  # a spoofed header through Caddy is replaced, not believed
    assert logins(proxy, "127.0.0.4", LIMIT, spoof=False) == [401] * LIMIT  # another citizen: not the proxy's count
    assert logins(proxy, "127.0.0.4", 1, spoof=False) == [429]
    assert all(login_requests_counted(api) >= 1 for api in apis), "Caddy sent every login to one process"
    assert sum(login_requests_counted(api) for api in apis) == 2 * LIMIT  # the 429s stop before the metrics


def test_caddy_compresses_json_and_pages_and_keeps_metrics_inside(two_apis_behind_caddy):
    apis, proxy, _ = two_apis_behind_caddy
    assert httpx.get(f"{proxy}/metrics", timeout=30).status_code == 404
    assert httpx.get(f"{apis[0]}/metrics", timeout=30).status_code == 200  # Prometheus scrapes the replicas
    gzipped = {"Accept-Encoding": "gzip"}
    days = httpx.get(f"{proxy}/api/v1/sites/uji/services/KTP/availability", headers=gzipped, timeout=30)
    assert days.status_code == 200, days.text
    assert days.headers["content-encoding"] == "gzip" and int(days.headers["content-length"]) < len(days.content)
    assert days.json()["days"]  # httpx undid the gzip: the body is intact
    page = httpx.get(f"{proxy}/s/uji", headers=gzipped, timeout=30)
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page.text
