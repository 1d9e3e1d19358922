"""``booking worker`` tells its supervisor how it ended: 0 after a requested stop, non-zero after a crash.

Celery's ``worker_main`` used to swallow the code, so a worker that died of an unrecoverable error exited 0
and compose's ``restart: on-failure`` (or systemd's) left it dead. The crash here is a real one: the
embedded broker's folder is replaced by a file under the running worker.
"""

from __future__ import annotations

import shutil
import signal

import pytest

from tests.gateways import wait_until
from tests.worker import STOP_TIMEOUT_S, WORKER_DEADLINE_S, running, worker_env

pytestmark = pytest.mark.slow
# Celery's log line once the worker consumes: its own readiness report (a worker has no port to ask), waited
# for with the generous start-up bound; nothing here depends on when it comes.
STARTED_MARK = "ready."


def log_says(log_path, text: str) -> bool:
    return log_path.exists() and text in log_path.read_text(errors="replace")


def test_a_crashed_worker_exits_non_zero(tmp_path):
    env = worker_env(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data")
    log_path = tmp_path / "worker.log"
    with running(["worker"], env, log_path) as worker:
        assert wait_until(lambda: log_says(log_path, STARTED_MARK), timeout=WORKER_DEADLINE_S), log_path.read_text()
        broker = tmp_path / "data" / "broker"
        shutil.rmtree(broker)
        broker.write_text("not a folder any more")
        worker.wait(timeout=WORKER_DEADLINE_S)
    assert log_says(log_path, "Unrecoverable error")
    assert worker.returncode not in (0, None), log_path.read_text()[-2000:]


def test_a_worker_stopped_with_sigterm_exits_zero(tmp_path):
    env = worker_env(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data")
    log_path = tmp_path / "worker.log"
    with running(["worker"], env, log_path) as worker:
        assert wait_until(lambda: log_says(log_path, STARTED_MARK), timeout=WORKER_DEADLINE_S), log_path.read_text()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=STOP_TIMEOUT_S)
    assert worker.returncode == 0, log_path.read_text()[-2000:]
