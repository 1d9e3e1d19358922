"""Real receiving ends for notification tests: a local HTTP gateway (SMS/WhatsApp) and a local SMTP server.

Both count what arrives, so a test can say "delivered exactly once" from the receiving side. The gateway
can be told to fail (HTTP 500) for a while, or to hold each request for some time (a slow gateway, for
killing a worker mid-delivery).
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    payload: dict
    received_at: float = field(default_factory=time.perf_counter)


@dataclass
class HttpGateway:
    """An SMS/WhatsApp gateway on 127.0.0.1: answers 200 with ``answer``, or 500 while ``failing``, after
    ``delay`` seconds; 401 to a request without each of ``required_headers`` (an API key, a bearer token)."""

    failing: bool = False
    delay: float = 0.0
    answer: bytes = b'{"status":"queued"}'
    required_headers: dict[str, str] = field(default_factory=dict)
    requests: list[GatewayRequest] = field(default_factory=list)
    refused: list[GatewayRequest] = field(default_factory=list)  # answered 500 while failing, or 401

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {"raw": body.decode(errors="replace")}
                if any(self.headers.get(name) != value for name, value in gateway.required_headers.items()):
                    gateway.refused.append(GatewayRequest(self.path, dict(self.headers.items()), payload))
                    self.send_response(401)
                    self.end_headers()
                    return
                if gateway.failing:
                    gateway.refused.append(GatewayRequest(self.path, dict(self.headers.items()), payload))
                    self.send_response(500)
                    self.end_headers()
                    return
                gateway.requests.append(GatewayRequest(self.path, dict(self.headers.items()), payload))
                time.sleep(gateway.delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(gateway.answer)

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "sms") -> str:
        """An Apprise URL template for this gateway, with the recipient as the JSON field ``to``."""
        return f"json://127.0.0.1:{self.port}/{path}?:to={{to}}"

    def received(self, path: str | None = None) -> list[GatewayRequest]:
        return [request for request in self.requests if path is None or request.path.startswith(f"/{path}")]

    def distinct_messages(self, path: str | None = None) -> set[str]:
        """Messages by the sender's idempotency key: what a real gateway that drops duplicates delivers."""
        return {request.headers.get("X-Idempotency-Key", "") for request in self.received(path)}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's API
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is given."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[Message]:
        return self.inbox.messages

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?to={{to}}&from=antrian@example.test"

    def close(self) -> None:
        self.controller.stop()


def wait_until(condition, timeout: float = 120.0, interval: float = 0.2) -> bool:
    """True as soon as ``condition()`` is; False once ``timeout`` seconds passed without it (a bound, not a wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
