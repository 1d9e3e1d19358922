"""Proof that one transaction is waiting for another, read from where the wait happens.

Not a test module. A test that holds a transaction open and starts a second one must not assume that the
second has reached the lock after some sleep: it asks. ``holder(session)`` names the open transaction
(its PostgreSQL backend, or on SQLite the thread that has the writers' turn); ``someone_waits_for(db,
holder)`` is true while another transaction waits for it:

- PostgreSQL: a backend in ``pg_stat_activity`` whose ``pg_blocking_pids`` include the holder's;
- SQLite (one writer at a time, ``booking.db.WriterTurns``): another thread of this process stopped in
  ``WriterTurns.__enter__``, waiting for its turn to write.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from sqlalchemy import text

from booking.db import Database, WriterTurns

_WAITING_FOR_TURN = WriterTurns.__enter__.__code__


@dataclass(frozen=True)
class Holder:
    backend_pid: int | None  # PostgreSQL
    thread: int | None  # SQLite


def holder(session) -> Holder:
    """The transaction ``session`` is in, as the database or the process knows it."""
    if session.get_bind().dialect.name == "postgresql":
        return Holder(backend_pid=session.scalar(text("SELECT pg_backend_pid()")), thread=None)
    return Holder(backend_pid=None, thread=threading.get_ident())


def someone_waits_for(db: Database, held: Holder) -> bool:
    if held.backend_pid is not None:
        with db.read() as session:
            return bool(
                session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
                    ),
                    {"pid": held.backend_pid},
                )
            )
    return any(
        thread != held.thread and frame.f_code is _WAITING_FOR_TURN for thread, frame in sys._current_frames().items()
    )
