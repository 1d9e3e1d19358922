"""A flash crowd: many HTTP requests from several OS processes and threads, released at one moment.

Not a test module. ``fire(url, requests, processes=4)`` spreads ``requests`` (each ``{"json": body,
"headers": {...}}``, and ``"url"`` where one goes elsewhere than ``url``) over ``processes`` spawned
processes, one thread per request. Every thread builds its
client, then all wait; once every process reports ready, one ``multiprocessing.Event`` releases them all,
so the requests really overlap. Every HTTP call, wait and join is bounded.

Results come back as ``Answer`` rows in the order of ``requests``; transport failures are kept as answers
with ``status=None`` and the error, never retried (a retry would hide them).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass

# Bounds, not waits (each ends as soon as what it waits for happens): a loaded 2-core CI machine may take
# tens of seconds to spawn the processes or to answer one of hundreds of requests at once.
REQUEST_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 120.0
RESULTS_TIMEOUT_S = REQUEST_TIMEOUT_S + 120.0
JOIN_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Answer:
    index: int
    status: int | None  # None: transport error
    code: str | None = None  # the problem code, for problem answers
    booking_code: str | None = None
    manage_token: str | None = None
    error: str | None = None
    seconds: float = 0.0
    body: dict | None = None
    sent_at: float = 0.0  # time.monotonic(), one clock for every process on Linux
    answered_at: float = 0.0


@dataclass(frozen=True)
class CrowdResult:
    answers: list[Answer]
    elapsed: float  # from the release until the last answer arrived

    @property
    def peak_in_flight(self) -> int:
        """The most requests that were sent and not yet answered at one moment: proof that they overlapped."""
        events = sorted(
            [(a.sent_at, 1) for a in self.answers] + [(a.answered_at, -1) for a in self.answers],
            key=lambda event: (event[0], event[1]),
        )
        peak = current = 0
        for _, step in events:
            current += step
            peak = max(peak, current)
        return peak


def fire(url: str, requests: list[dict], *, processes: int = 4, keep_bodies: bool = False) -> CrowdResult:
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    ready: multiprocessing.Queue = context.Queue()
    results: multiprocessing.Queue = context.Queue()
    shares = [
        [(index, request) for index, request in enumerate(requests) if index % processes == p] for p in range(processes)
    ]
    workers = [
        context.Process(
            target=_process_main, args=(url, share, go, ready, results, keep_bodies), name=f"crowd-{p}", daemon=True
        )
        for p, share in enumerate(shares)
        if share
    ]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        for _ in workers:
            ready.get(timeout=max(0.1, deadline - time.monotonic()))
        go.set()
        released = time.monotonic()
        answers: list[Answer] = []
        deadline = released + RESULTS_TIMEOUT_S
        for _ in workers:
            answers += results.get(timeout=max(0.1, deadline - time.monotonic()))
        elapsed = time.monotonic() - released
        for worker in workers:
            worker.join(timeout=JOIN_TIMEOUT_S)
            assert worker.exitcode == 0, f"{worker.name} ended with {worker.exitcode}"
    except queue.Empty:
        raise AssertionError("crowd processes did not report in time") from None
    finally:
        go.set()
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)
    answers.sort(key=lambda answer: answer.index)
    assert [answer.index for answer in answers] == list(range(len(requests))), "some answers are missing"
    return CrowdResult(answers=answers, elapsed=elapsed)


def _process_main(url, share, go, ready, results, keep_bodies) -> None:
    import ssl

    import httpx  # in the spawned process

    # One TLS context for all clients (building one per client costs ~25 ms each; the URL is plain http anyway).
    tls = ssl.create_default_context()

    answers: list[Answer | None] = [None] * len(share)
    all_set = threading.Barrier(len(share) + 1, timeout=READY_TIMEOUT_S)
    release = threading.Event()

    def one(slot: int, index: int, request: dict) -> None:
        # One client, hence one connection, per thread: no thread waits for another's connection.
        with httpx.Client(timeout=REQUEST_TIMEOUT_S, verify=tls, trust_env=False) as client:
            all_set.wait()
            release.wait(timeout=READY_TIMEOUT_S)
            began = time.monotonic()
            try:
                response = client.post(
                    request.get("url", url), json=request.get("json"), headers=request.get("headers") or {}
                )
            except httpx.HTTPError as error:
                ended = time.monotonic()
                answers[slot] = Answer(
                    index,
                    None,
                    error=f"{type(error).__name__}: {error}",
                    seconds=ended - began,
                    sent_at=began,
                    answered_at=ended,
                )
                return
            ended = time.monotonic()
            try:
                body = response.json()
            except ValueError:
                body = {"unparsed": response.text[:500]}
            answers[slot] = Answer(
                index,
                response.status_code,
                code=body.get("code") if response.status_code >= 400 else None,
                booking_code=body.get("code") if response.status_code == 201 else None,
                manage_token=body.get("manage_token"),
                seconds=ended - began,
                body=body if keep_bodies or response.status_code >= 500 else None,
                sent_at=began,
                answered_at=ended,
            )

    threads = [
        threading.Thread(target=one, args=(slot, index, request), daemon=True)
        for slot, (index, request) in enumerate(share)
    ]
    for thread in threads:
        thread.start()
    all_set.wait()
    ready.put(len(threads))
    go.wait(timeout=READY_TIMEOUT_S)
    release.set()
    deadline = time.monotonic() + REQUEST_TIMEOUT_S + 10
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    results.put(
        [
            answer if answer is not None else Answer(share[slot][0], None, error="thread did not finish")
            for slot, answer in enumerate(answers)
        ]
    )
