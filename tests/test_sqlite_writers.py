"""SQLite writers take turns at a file lock across processes and threads (booking/db.py, WriterTurns)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

from sqlalchemy import text

from booking.db import Database
from booking.migrate import upgrade
from tests.gateways import wait_until

DEADLINE_S = 120.0  # a bound, not a wait: a spawned process imports SQLAlchemy first, slowly on a loaded machine


def waiting_for_flock(path: str) -> bool:
    """This process is blocked waiting for a flock on ``path`` (a ``->`` line of /proc/locks)."""
    inode = os.stat(path).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "->" and fields[2] == "FLOCK":
            pid, device_inode = int(fields[5]), fields[6]
            if pid == os.getpid() and int(device_inode.rsplit(":", 1)[1]) == inode:
                return True
    return False


def _hold_a_write(url: str, holding, release) -> None:
    db = Database(url)
    with db.write() as session:
        session.execute(text("UPDATE sites SET name = 'held' WHERE 1 = 0"))
        holding.set()
        release.wait(DEADLINE_S)
    db.dispose()


def test_a_write_waits_for_another_process_s_write_to_end_then_goes_ahead(tmp_path):
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    spawn = multiprocessing.get_context("spawn")
    holding, release = spawn.Event(), spawn.Event()
    holder = spawn.Process(target=_hold_a_write, args=(url, holding, release))
    holder.start()
    assert holding.wait(DEADLINE_S)

    db = Database(url)
    entered = threading.Event()

    def write() -> None:
        with db.write() as session:
            entered.set()
            session.execute(text("SELECT 1"))

    writer = threading.Thread(target=write)
    writer.start()
    # the turn is taken as the block opens, before any statement: the kernel shows this process waiting
    # for the other's lock on the writers' file, and the block has not been entered
    assert wait_until(lambda: waiting_for_flock(f"{tmp_path / 'antrian.db'}-writers"), timeout=DEADLINE_S)
    assert not entered.is_set()
    release.set()
    assert entered.wait(DEADLINE_S)
    writer.join(DEADLINE_S)
    holder.join(DEADLINE_S)
    assert holder.exitcode == 0
    db.dispose()


def _write_back_to_back(url: str, writing, stop) -> None:
    """Eight threads writing one after another, each holding the write lock a few milliseconds (a booking's)."""
    db = Database(url)

    def loop() -> None:
        while not stop.is_set():
            with db.write() as session:
                session.execute(text("UPDATE ticks SET n = n + 1"))
                writing.set()
                time.sleep(0.005)

    threads = [threading.Thread(target=loop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.dispose()


def test_a_lone_writer_is_not_starved_by_another_process_s_burst_of_writes(tmp_path):
    """The worker's one write beside the API's many: it gets in after a few of theirs, not hundreds.

    Counted in writes that went ahead of it, not in seconds. Without the turns SQLite's busy handler
    let hundreds, sometimes thousands, of the burst's writes go first.
    """
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        session.execute(text("CREATE TABLE ticks (n INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO ticks VALUES (0)"))
    spawn = multiprocessing.get_context("spawn")
    writing, stop = spawn.Event(), spawn.Event()
    burst = spawn.Process(target=_write_back_to_back, args=(url, writing, stop))
    burst.start()
    try:
        assert writing.wait(DEADLINE_S)
        went_ahead = []
        for _ in range(10):
            with db.read() as session:
                before = session.execute(text("SELECT n FROM ticks")).scalar_one()
            with db.write() as session:
                went_ahead.append(session.execute(text("SELECT n FROM ticks")).scalar_one() - before)
    finally:
        stop.set()
        burst.join(DEADLINE_S)
    db.dispose()
    assert max(went_ahead) <= 40, went_ahead
