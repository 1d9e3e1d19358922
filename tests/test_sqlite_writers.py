"""SQLite writers take turns at a file lock across processes and threads (booking/db.py, WriterTurns)."""

from __future__ import annotations

import multiprocessing
import threading
import time

from sqlalchemy import text

from booking.db import Database
from booking.migrate import upgrade


def _hold_a_write(url: str, holding, release) -> None:
    db = Database(url)
    with db.write() as session:
        session.execute(text("UPDATE sites SET name = 'held' WHERE 1 = 0"))
        holding.set()
        release.wait(30)
    db.dispose()


def test_a_write_waits_for_another_process_s_write_to_end_then_goes_ahead(tmp_path):
    url = f"sqlite:///{tmp_path / 'antrian.db'}"
    upgrade(url)
    spawn = multiprocessing.get_context("spawn")
    holding, release = spawn.Event(), spawn.Event()
    holder = spawn.Process(target=_hold_a_write, args=(url, holding, release))
    holder.start()
    assert holding.wait(30)

    db = Database(url)
    entered = threading.Event()

    def write() -> None:
        with db.write() as session:
            entered.set()
            session.execute(text("SELECT 1"))

    writer = threading.Thread(target=write)
    writer.start()
    assert not entered.wait(1.0)  # the turn is taken as the block opens, before any statement
    release.set()
    assert entered.wait(30)
    writer.join(30)
    holder.join(30)
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
        assert writing.wait(30)
        went_ahead = []
        for _ in range(10):
            with db.read() as session:
                before = session.execute(text("SELECT n FROM ticks")).scalar_one()
            with db.write() as session:
                went_ahead.append(session.execute(text("SELECT n FROM ticks")).scalar_one() - before)
    finally:
        stop.set()
        burst.join(30)
    db.dispose()
    assert max(went_ahead) <= 40, went_ahead
