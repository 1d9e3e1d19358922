"""A real Celery worker (and beat) process for tests: ``booking worker [--beat]`` / ``booking beat``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
# How long a test waits for a worker started here to have done something it can see (a row sent, a request at
# a gateway): start-up included. A bound, not a wait: on a loaded 2-core CI machine Celery alone can take
# tens of seconds to start.
WORKER_DEADLINE_S = 120.0
STOP_TIMEOUT_S = 60.0


def worker_env(database_url: str, data_dir: Path, *, broker_url: str = "", **notify_urls: str) -> dict[str, str]:
    """The settings a worker, beat and API server share (same database, broker, secret and data dir)."""
    env = {
        **os.environ,
        "BOOKING_DATABASE_URL": database_url,
        "BOOKING_DATA_DIR": str(data_dir),
        "BOOKING_SECRET_KEY": "live-server-test-secret",
        "BOOKING_BROKER_URL": broker_url,
        "BOOKING_SWEEP_SECONDS": "0.5",
        "BOOKING_LOG_LEVEL": "INFO",
        "BOOKING_PUBLIC_URL": "http://antrian.test",
        "PYTHONUNBUFFERED": "1",
    }
    for channel, url in notify_urls.items():
        env[f"BOOKING_NOTIFY_{channel.upper()}_URL"] = url
    return env


@contextmanager
def running(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """Start a ``booking`` subcommand; on exit stop it with SIGTERM (or it was killed by the test)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        # A process group of its own: `--beat` runs beat in a child process, which must go with the worker.
        process = subprocess.Popen(
            [str(VENV_BIN / "booking"), *command],
            env=env,
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        kill_group(process)  # whatever of the group is left (an orphaned beat after a SIGKILL)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the whole group, as when a worker's machine or container dies."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)
