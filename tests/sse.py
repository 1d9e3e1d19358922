"""A real client of a board's event stream, for tests: reads ``GET .../queue/stream`` in a thread.

Not a test module. ``BoardStream(url)`` connects, keeps what the server sent (``retry:``, comments, each
message's JSON) and lets the test wait for a message that satisfies a condition, with a generous deadline::

    with BoardStream(f"{base}/api/v1/sites/uji/queue/stream") as stream:
        first = stream.next()                      # the board as it stands
        ...                                        # a clerk calls
        stream.wait_for(lambda m: m["changes"])    # the call arrives
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from contextlib import suppress

import httpx

DEADLINE_S = 60.0


class StreamEnded(AssertionError):
    pass


class BoardStream:
    def __init__(self, url: str, *, headers: dict[str, str] | None = None, connect_timeout: float = DEADLINE_S):
        self.url = url
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.retry_ms: int | None = None
        self.comments: list[str] = []
        self.alive = 0  # "alive" events seen (the keep-alive a page's script can hear)
        self.ended_cleanly = threading.Event()  # the server closed the stream properly (not cut off)
        self.failure: BaseException | None = None
        self._messages: queue.Queue = queue.Queue()
        self._socket: socket.socket | None = None
        self._connected = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(connect_timeout, read=None))
        self._headers = headers or {}
        self._thread = threading.Thread(target=self._read, name="board-stream", daemon=True)
        self._thread.start()
        if not self._connected.wait(connect_timeout):
            raise AssertionError(f"no answer from {url} within {connect_timeout:.0f} s")
        if self.failure is not None and self.status is None:
            raise AssertionError(f"could not connect to {url}: {self.failure!r}")

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self.url, headers=self._headers) as response:
                self.status, self.headers = response.status_code, response.headers
                network = response.extensions.get("network_stream")
                self._socket = network.get_extra_info("socket") if network is not None else None
                self._connected.set()
                if response.status_code != 200:
                    response.read()
                    self._messages.put(("problem", response.text))
                    return
                data: list[str] = []
                event = "message"
                for line in response.iter_lines():
                    if line.startswith("retry:"):
                        self.retry_ms = int(line[6:].strip())
                    elif line.startswith(":"):
                        self.comments.append(line[1:].strip())
                    elif line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "":
                        if data and event == "alive":
                            self.alive += 1
                        elif data:
                            self._messages.put(("message", json.loads("\n".join(data))))
                        data, event = [], "message"
                self.ended_cleanly.set()
        except BaseException as failure:  # noqa: BLE001 - reported to the test that waits
            self.failure = failure
        finally:
            self._connected.set()
            self._messages.put(("end", None))

    def next(self, timeout: float = DEADLINE_S) -> dict:
        try:
            kind, value = self._messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message on {self.url} within {timeout:.0f} s") from None
        if kind == "end":
            self._messages.put(("end", None))  # every later call sees the end too
            raise StreamEnded(f"the stream ended ({self.failure!r})")
        if kind == "problem":
            raise AssertionError(f"{self.status}: {value}")
        return value

    def wait_for(self, condition, timeout: float = DEADLINE_S) -> dict:
        """The first message (from now) that satisfies ``condition``."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(timeout=max(deadline - time.monotonic(), 0.01))
            if condition(message):
                return message

    def wait_until_ended(self, timeout: float = DEADLINE_S) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the stream did not end within {timeout:.0f} s"

    def close(self) -> None:
        """Hang up, as a browser tab that closes: the reading thread ends at once."""
        if self._socket is not None:
            with suppress(OSError):  # already closed by the server
                self._socket.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading
        self._thread.join(10)
        assert not self._thread.is_alive(), "the stream's reader did not stop"
        self._client.close()

    def __enter__(self) -> BoardStream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def called(message: dict, ticket: str, kind: str = "call") -> dict | None:
    """The change that calls ``ticket`` in a stream message, if there is one."""
    return next((c for c in message["changes"] if c["kind"] == kind and c["ticket"] == ticket), None)
