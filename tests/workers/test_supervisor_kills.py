"""``booking run`` is one unit: whichever of its processes dies by SIGKILL, none of the others survives,
and the next ``booking run`` never makes two beats; two beats started at once share nothing but the lock.

Everything is read from the kernel (``/proc``: who lives, whose child it is) and from the lock itself
(``/proc/locks`` for SQLite's flock, ``pg_locks`` for PostgreSQL's advisory lock), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from tests.gateways import free_port, wait_until
from tests.processes import Proc, beat_lock_holders, beat_processes, children, read
from tests.worker import VENV_BIN, running, worker_env

pytestmark = pytest.mark.slow
UP_TIMEOUT_S = 120.0  # three Python processes importing at once on a loaded machine
GONE_TIMEOUT_S = 90.0  # the supervisor waits up to 15 s for a child before SIGKILL; PDEATHSIG's SIGTERM is quick
CHILDREN = {"serve": "api", "worker": "worker", "beat": "beat"}  # subcommand: the name booking run gives it


class Run:
    """One ``booking run`` and, once it is up, its tree as /proc showed it."""

    def __init__(self, process: subprocess.Popen, base: str, log: Path) -> None:
        self.process = process
        self.base = base
        self.log = log
        self.tree: dict[str, Proc] = {}

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def booking_runs(database_url: str, data_dir: Path) -> Iterator[Callable[[], Run]]:
    """Yields ``start()``; whatever the test leaves running is SIGKILLed at the end (by recorded pid)."""
    runs: list[Run] = []
    env = worker_env(database_url, data_dir)

    def start() -> Run:
        port = free_port()
        log = data_dir / f"run-{len(runs) + 1}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [str(VENV_BIN / "booking"), "run"],
                env={**env, "BOOKING_HOST": "127.0.0.1", "BOOKING_PORT": str(port)},
                cwd=data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        runs.append(Run(process, f"http://127.0.0.1:{port}", log))
        return runs[-1]

    try:
        yield start
    finally:
        for run in runs:
            for proc in [*run.tree.values(), read(run.process.pid)]:
                if proc is not None and proc.alive():
                    with suppress(ProcessLookupError):
                        proc_kill(proc)
            with suppress(subprocess.TimeoutExpired):
                run.process.wait(timeout=10)


def proc_kill(proc: Proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


def wait_up(run: Run, database_url: str) -> None:
    """Until /proc shows the supervisor's three children, the API answers and the beat child holds the lock."""

    def up() -> bool:
        assert run.process.poll() is None, f"booking run exited with {run.process.returncode}:\n{run.text()}"
        found = {CHILDREN[p.argv[-1]]: p for p in children(run.process.pid) if p.argv[-1] in CHILDREN}
        if set(found) != set(CHILDREN.values()):
            return False
        run.tree = {"supervisor": read(run.process.pid), **found}
        return healthy(run.base) and beat_lock_holders(database_url) == [found["beat"].pid]

    assert wait_until(up, timeout=UP_TIMEOUT_S, interval=0.5), (
        f"booking run not up within {UP_TIMEOUT_S:.0f} s (tree {run.tree}, lock holders "
        f"{beat_lock_holders(database_url)}):\n{run.text()}"
    )


def survivors(run: Run) -> list[Proc]:
    run.process.poll()  # reaps the supervisor once it has died (it is our child: a zombie until then)
    return [proc for proc in run.tree.values() if proc.alive()]


def assert_one_beat(run: Run, database_url: str, data_dir: Path) -> None:
    beats = beat_processes(data_dir)
    assert [proc.pid for proc in beats] == [run.tree["beat"].pid], f"beat processes: {beats}"
    assert beat_lock_holders(database_url) == [run.tree["beat"].pid]


def test_sigkill_of_any_process_of_booking_run_leaves_no_orphan_and_never_two_beats(database_url, db, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with booking_runs(database_url, data_dir) as start:
        run = start()
        for victim in ("supervisor", "api", "worker", "beat"):
            wait_up(run, database_url)
            assert_one_beat(run, database_url, data_dir)
            print(f"\n{victim}: SIGKILL pid {run.tree[victim].pid} of {[p.pid for p in run.tree.values()]}")
            proc_kill(run.tree[victim])

            assert wait_until(lambda run=run: not survivors(run), timeout=GONE_TIMEOUT_S), (
                f"after SIGKILL of {victim}, still alive: {survivors(run)}\n{run.text()}"
            )
            # Killed itself, or it saw a child end and stopped the others: "start me again".
            assert run.process.returncode == (-signal.SIGKILL if victim == "supervisor" else 1), run.text()
            if victim != "supervisor":  # and it said which child ended, and how
                assert f"{victim} (pid {run.tree[victim].pid}) killed by SIGKILL" in run.text()
            assert beat_processes(data_dir) == []
            run = start()  # the same database and data dir, as an operator's `make run` again

        wait_up(run, database_url)
        assert_one_beat(run, database_url, data_dir)
        run.process.send_signal(signal.SIGTERM)  # and an orderly stop still stops all of it, with 0
        assert run.process.wait(timeout=GONE_TIMEOUT_S) == 0, run.text()
        assert wait_until(lambda: not survivors(run), timeout=GONE_TIMEOUT_S), survivors(run)
        assert beat_lock_holders(database_url) == []


def test_two_beats_started_at_once_one_sweeps_the_other_waits_and_takes_over(database_url, db, tmp_path):
    env = worker_env(database_url, tmp_path / "data")
    logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
    with running(["beat"], env, logs[0]) as first, running(["beat"], env, logs[1]) as second:
        beats = {first.pid: logs[0], second.pid: logs[1]}

        def one_holds_and_the_other_waits() -> bool:
            holders = beat_lock_holders(database_url)
            assert len(holders) <= 1, f"two beats hold the lock: {holders}"
            if not holders:
                return False
            (waiter,) = set(beats) - set(holders)
            return "another beat holds the beat lock" in beats[waiter].read_text(errors="replace")

        assert wait_until(one_holds_and_the_other_waits, timeout=UP_TIMEOUT_S, interval=0.5), [
            log.read_text(errors="replace")[-2000:] for log in logs
        ]
        (holder,) = beat_lock_holders(database_url)
        (waiter,) = set(beats) - {holder}
        assert first.poll() is None and second.poll() is None
        assert "Sending due task" not in beats[waiter].read_text(errors="replace")  # it never swept

        proc_kill(read(holder))
        assert wait_until(lambda: beat_lock_holders(database_url) == [waiter], timeout=UP_TIMEOUT_S, interval=0.5), (
            f"holders {beat_lock_holders(database_url)}:\n{beats[waiter].read_text(errors='replace')[-2000:]}"
        )
        assert wait_until(lambda: "Sending due task" in beats[waiter].read_text(errors="replace"), timeout=60)
