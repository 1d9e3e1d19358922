"""Real servers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP gateway, both on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.gateways import GatewayRequest, free_port


@dataclass
class Gateway:
    """Stands in for an SMS or WhatsApp gateway: records each request, answers ``status``."""

    port: int = 0
    status: int = 200
    delay: float = 0.0
    requests: list[GatewayRequest] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/sms", query: str = ":to={to}") -> str:
        return f"json://127.0.0.1:{self.port}{path}?{query}"


@contextmanager
def http_gateway(status: int = 200, delay: float = 0.0) -> Iterator[Gateway]:
    gateway = Gateway(status=status, delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            gateway.requests.append(GatewayRequest(self.path, dict(self.headers), json.loads(body or b"{}")))
            gateway.closing.wait(gateway.delay)
            answer = json.dumps({"status": "ok" if gateway.status < 300 else "error"}).encode()
            try:
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    gateway.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        gateway.closing.set()
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """What an SMTP server received; ``rcpt_reply`` / ``data_reply`` make it refuse ("550 ...")."""

    port: int = 0
    rcpt_reply: str | None = None
    data_reply: str | None = None
    envelopes: list = field(default_factory=list)

    def url(self, query: str = "to={to}&from=antrian@example.test") -> str:
        return f"mailto://127.0.0.1:{self.port}?{query}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(rcpt_reply: str | None = None, data_reply: str | None = None) -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port(), rcpt_reply=rcpt_reply, data_reply=data_reply)
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=mailbox.port,
        auth_require_tls=False,  # a local test server: let Apprise log in over plain SMTP
        authenticator=lambda server, session, envelope, mechanism, auth_data: AuthResult(success=True),
    )
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
