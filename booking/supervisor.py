"""Run several commands as one: what ``booking run`` (and so ``make run``) uses for API + worker + beat.

Ctrl-C or SIGTERM reaches every child; when one child stops, the others are stopped too, so nothing is
left running behind the terminal.
"""

from __future__ import annotations

import signal
import subprocess
import time

GRACE_SECONDS = 15


def run_together(commands: list[list[str]]) -> int:
    # Own process groups: a terminal's Ctrl-C reaches only us, and each child hears it once, from us
    # (a second SIGINT would make Celery and uvicorn skip their graceful shutdown).
    children = [subprocess.Popen(command, start_new_session=True) for command in commands]
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    if not stopping:  # a child died on its own: stop the rest
        stop(signal.SIGTERM, None)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0 if stopping else 1
