"""A real HTTP server in the test's own process, for tests that need a server on a clock they control.

Not a test module. ``serving(app)`` runs the app under uvicorn in a background thread on a free port
and yields its base URL: requests arrive over real sockets and are handled concurrently (the app's
handlers run in uvicorn's thread pool, against a real database), while the app keeps the ``clock`` the
test gave ``create_app``. A ``booking serve`` subprocess (tests/server.py) runs on the real clock instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.gateways import wait_until
from tests.server import HOST, free_port

STARTUP_TIMEOUT_S = 15.0


@contextmanager
def serving(app, *, port: int | None = None, grace_s: float | None = None) -> Iterator[str]:
    """``port``: a given one (a server started again where the last one was); ``grace_s``: how long the stop
    waits for open responses (an endless event stream) before it cuts them off; None waits for them."""
    config = uvicorn.Config(
        app, host=HOST, port=port or free_port(), log_level="warning", lifespan="on", timeout_graceful_shutdown=grace_s
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="inprocess-server", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started or not thread.is_alive(), timeout=STARTUP_TIMEOUT_S)
        assert server.started, "the in-process server did not start"
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
