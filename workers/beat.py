"""One beat per deployment, however it is started: a lock that beat holds for its whole life.

Two beats would double every sweep (harmless, the rows decide, but wasteful and confusing), and a beat
left behind by a crashed worker used to keep sweeping next to the new one. So a beat first takes the
beat lock and keeps it until it exits; the kernel or the database lets go of it when its process dies,
whatever signal killed it:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection of its own, which
  ``pg_locks`` and ``pg_stat_activity`` show (``application_name`` names the beat's host and pid);
- SQLite: an ``flock`` on ``<database>-beat`` next to the database file (``/proc/locks`` shows it; the
  file says which process holds it).

A second beat waits, says once which beat holds the lock, and takes over within a second of that beat's
end. If PostgreSQL drops the holder's connection (a server restart), the lock is gone: the holder stops
its beat, so that two never sweep at once (``booking beat`` exits, for its supervisor to start it again;
a worker's beat thread waits for the lock again).

``booking beat`` takes the lock before Celery's beat starts; ``booking worker --beat`` runs beat as a
thread of the worker that takes it first (``workers.app.BeatThread``), so no beat process can outlive
its worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("workers.beat")
# pg_try_advisory_lock(int4, int4): 'antr', 'beat'. pg_locks shows them as classid, objid (objsubid 2).
LOCK_KEY = (0x616E7472, 0x62656174)
RETRY_SECONDS = 1.0
CHECK_SECONDS = 5.0  # how often a holder on PostgreSQL makes sure its lock's connection is still there
APPLICATION_NAME = "antrian-beat"


def lock_file(database_url: str) -> Path:
    """Where a beat on this SQLite database keeps its lock: ``<database>-beat``."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValueError("beat's lock needs a database file (or PostgreSQL)")
    return Path(f"{database}-beat")


class BeatLock:
    """The beat lock of one database. ``acquire`` waits for it; the process holds it until ``release`` or exit."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.is_sqlite = database_url.startswith("sqlite")
        self.me = f"pid {os.getpid()} on {socket.gethostname()}"
        self._file: int | None = None
        self._held = threading.Event()
        self._engine = None
        self._connection = None

    def acquire(self, stopping: threading.Event | None = None) -> bool:
        """Take the lock, waiting as long as another beat holds it; False if ``stopping`` was set first."""
        stopping = stopping or threading.Event()
        said = ""
        while not stopping.is_set():
            try:
                if self._try():
                    log.info("beat: %s holds the beat lock (%s); no other beat sweeps", self.me, self.where())
                    self._held.set()
                    return True
                news = f"not sweeping: another beat holds the beat lock ({self.where()}: {self.holder()})"
                news += "; waiting for it to end"
            except Exception as error:  # noqa: BLE001 - the database may be down for a while: say so, try again
                self._close_connection()
                news = f"cannot take the beat lock ({error}); trying again every {RETRY_SECONDS:.0f} s"
            if news != said:  # said once, not every second
                log.warning("beat: %s", news)
                said = news
            stopping.wait(RETRY_SECONDS)
        return False

    def where(self) -> str:
        if self.is_sqlite:
            return str(lock_file(self.database_url))
        return f"pg_try_advisory_lock{LOCK_KEY} on {make_url(self.database_url).render_as_string()}"

    def holder(self) -> str:
        """Who holds the lock now, as far as can be seen (for the waiting beat's message)."""
        if self.is_sqlite:
            try:
                return lock_file(self.database_url).read_text().strip() or "a beat that has not said who it is"
            except OSError:
                return "unknown"
        row = self._connection.execute(
            text(
                "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = :high"
                " AND l.objid::bigint = :low AND l.objsubid = 2"
                " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"high": LOCK_KEY[0], "low": LOCK_KEY[1]},
        ).first()
        return f"{row.application_name} from {row.client_addr or 'this host'}" if row else "unknown (just ended?)"

    def _try(self) -> bool:
        if self.is_sqlite:
            if self._file is None:
                self._file = os.open(lock_file(self.database_url), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            os.ftruncate(self._file, 0)
            os.pwrite(self._file, f"{self.me} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}Z\n".encode(), 0)
            return True
        if self._connection is None:
            self._engine = create_engine(
                self.database_url,
                poolclass=NullPool,
                connect_args={"application_name": f"{APPLICATION_NAME} {self.me}"[:63], "connect_timeout": 10},
            )
            self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        taken = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:high, :low)"), {"high": LOCK_KEY[0], "low": LOCK_KEY[1]}
        )
        return bool(taken.scalar_one())

    def watch(self, on_lost: Callable[[], None]) -> None:
        """On PostgreSQL, call ``on_lost`` (once) if the lock's connection goes away while the lock is held."""
        if self.is_sqlite:
            return  # an flock is the process's until it exits

        def check() -> None:
            while self._held.is_set():
                time.sleep(CHECK_SECONDS)
                try:
                    self._connection.execute(text("SELECT 1"))
                except Exception as error:  # noqa: BLE001 - whatever broke it, the lock is gone with the session
                    if not self._held.is_set():
                        return  # released meanwhile: nothing was lost
                    log.error("beat: the beat lock's database connection was lost (%s): stopping this beat", error)
                    self._close_connection()
                    on_lost()
                    return

        threading.Thread(target=check, name="beat lock watch", daemon=True).start()

    def release(self) -> None:
        self._held.clear()
        if self._file is not None:
            os.close(self._file)  # closing the only descriptor drops the flock
            self._file = None
        self._close_connection()

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a broken connection cannot be closed politely
                connection.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
