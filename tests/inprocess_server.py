"""A real HTTP server in the test's own process, for tests that need a server on a clock they control.

Not a test module. ``serving(app)`` runs the app under uvicorn in a background thread on a free port
and yields its base URL: requests arrive over real sockets and are handled concurrently (the app's
handlers run in uvicorn's thread pool, against a real database), while the app keeps the ``clock`` the
test gave ``create_app``. A ``booking serve`` subprocess (tests/server.py) runs on the real clock instead.

The listening socket is bound here (port 0) and handed to uvicorn, so no other process can take the port
between choosing it and binding it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from tests.gateways import wait_until
from tests.server import HOST

# Bounds, not waits: the loop starts in well under a second on an idle machine, much later on a loaded one.
STARTUP_TIMEOUT_S = 120.0
SHUTDOWN_TIMEOUT_S = 60.0


@contextmanager
def serving(
    app=None,
    *,
    make_app: Callable[[str], object] | None = None,
    port: int | None = None,
    grace_s: float | None = None,
) -> Iterator[str]:
    """Serve ``app``, or the app ``make_app(base_url)`` returns (for settings that name the server's own
    address, such as ``public_url``, the base of the manage links). ``port``: a given one (a server started
    again where the last one was); ``grace_s``: how long the stop waits for open responses (an endless event
    stream) before it cuts them off; None waits for them."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port or 0))
    port = listener.getsockname()[1]
    if make_app is not None:
        app = make_app(f"http://{HOST}:{port}")
    config = uvicorn.Config(
        app, host=HOST, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=grace_s
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="inprocess-server", daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started or not thread.is_alive(), timeout=STARTUP_TIMEOUT_S)
        assert server.started, "the in-process server did not start"
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SHUTDOWN_TIMEOUT_S)
        listener.close()
