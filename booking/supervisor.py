"""Run several commands as one unit: what ``booking run`` (and so ``make run``) uses for API + worker + beat.

- Ctrl-C or SIGTERM reaches every child once; ``booking run`` waits for them all (up to ``GRACE_SECONDS``,
  then SIGKILL) and exits 0.
- When one child ends on its own (a crash, a ``kill -9``), the others are stopped the same way and
  ``booking run`` exits 1: it stops as one unit, and whoever started it (a terminal, systemd, compose)
  starts it again as one unit. It never restarts a child on its own.
- When ``booking run`` itself dies, even by SIGKILL, the kernel sends each child SIGTERM (Linux's
  ``PR_SET_PDEATHSIG``, set between fork and exec): no child outlives it. The children are direct
  children (beat too), so there is no grandchild to be orphaned.

Each line it prints starts with ``booking run:`` and names the child and its pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 15
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
DEATH_SIGNAL = signal.SIGTERM  # the children shut down as after Ctrl-C: in-flight requests and sends finish


def _say(line: str) -> None:
    print(f"booking run: {line}", file=sys.stderr, flush=True)


def _die_with(parent_pid: int):
    """A ``preexec_fn``: the child gets ``DEATH_SIGNAL`` when its parent dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here, in the parent: the child only makes one call

    def preexec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, int(DEATH_SIGNAL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent_pid:  # the parent died between fork and prctl: no signal will come
            os._exit(1)

    return preexec


def _how(code: int) -> str:
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"


def run_together(commands: dict[str, list[str]]) -> int:
    """Start each named command; return 0 after a requested stop, 1 when a child ended on its own."""
    preexec = _die_with(os.getpid())
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True
        _stop_all(children, signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Own sessions: a terminal's Ctrl-C reaches only us, and each child hears it once, from us (a second
    # SIGINT would make Celery and uvicorn skip their graceful shutdown).
    for name, command in commands.items():
        if stopping:
            break
        children[name] = subprocess.Popen(command, start_new_session=True, preexec_fn=preexec)
    _say(", ".join(f"{name} pid {child.pid}" for name, child in children.items()))

    ended = None
    while not stopping and ended is None:
        ended = next((name for name, child in children.items() if child.poll() is not None), None)
        if ended is None:
            time.sleep(0.2)
    if ended is not None and not stopping:
        _say(f"{ended} (pid {children[ended].pid}) {_how(children[ended].returncode)}: stopping the others")
        stopping = True
        _stop_all(children, signal.SIGTERM)

    deadline = time.monotonic() + GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _say(f"{name} (pid {child.pid}) did not stop within {GRACE_SECONDS} s: killing it")
            child.kill()
            child.wait()
    code = 1 if ended is not None else 0
    _say(f"stopped ({'a child ended; start booking run again' if code else 'as asked'}), exit {code}")
    return code


def _stop_all(children: dict[str, subprocess.Popen], signum: int) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signum)
