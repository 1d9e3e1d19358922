"""Engines and transactions.

Entry points own the transaction: they open ``db.write()`` or ``db.read()``, call domain functions with
the session, and the block commits (or rolls back on any exception). Domain functions never commit.

SQLite needs two things for the capacity rules to hold under concurrency: every writing transaction
starts with ``BEGIN IMMEDIATE`` (so two writers never both read and then deadlock upgrading to a write
lock), and a busy timeout (so a waiting writer queues instead of failing). pysqlite's own transaction
handling is switched off so that SQLAlchemy's BEGIN and SAVEPOINT statements are what SQLite sees.

SQLite's busy handler is not a queue: a writer that has waited long sleeps 100 ms between tries while a
newcomer tries after 1 ms, so under a booking burst the worker's few writes lost to the API's many for
seconds (a confirmation's p95 was 7.9 s, its worst 16 s). Writers of a file database therefore take
turns at a file lock (``WriterTurns``): a waiter blocks in the kernel and is woken when the lock is freed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from prometheus_client import Counter
from sqlalchemy import Engine, Insert, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from booking.errors import Busy

SQLITE_BUSY_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000  # PostgreSQL: the longest a statement waits for a row lock (BOOKING_LOCK_TIMEOUT_MS)
TRANSIENT_SQLSTATES = {"40P01": "deadlock", "40001": "serialization_failure"}
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out
TRANSACTION_RETRIES = Counter(
    "antrian_transaction_retries_total",
    "Write transactions run again from the start, by why: a deadlock or serialization failure (PostgreSQL), a "
    "locked SQLite file, or a stale read (a conditional write that lost its race)",
    ["reason"],
)
TRANSACTION_ATTEMPTS = 5
T = TypeVar("T")
log = logging.getLogger(__name__)


def _nothing() -> None:
    """No one to tell: the default ``Database.messages_committed`` (beat's sweep still delivers)."""


class StaleRead(Exception):
    """A conditional write matched nothing: a row this transaction read was changed by another one that
    committed first. Nothing of this transaction is kept; ``Database.transaction`` runs it again."""


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
            self.reader = _sqlite_engine(url, begin="BEGIN")
            database_file = self.writer.url.database
            self._writer_turns = WriterTurns(database_file) if database_file not in (None, "", ":memory:") else None
        else:
            self.writer = create_engine(
                url,
                hide_parameters=True,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                pool_recycle=1800,
                # A wait for a row lock is bounded: past it the request answers 503 busy (``write``) instead of
                # queueing behind a stuck transaction until the client gives up.
                connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms)}"},
            )
            self.reader = self.writer
            self._writer_turns = None
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)
        # Called after every commit that added outbox rows (the API sets it to wake a worker). One hook
        # here, not a call in each handler: a new handler that plans messages cannot forget it.
        self.messages_committed: Callable[[], None] = _nothing
        event.listen(self._write_sessions, "after_commit", self._after_commit)
        event.listen(self._write_sessions, "after_soft_rollback", _forget_planned_messages)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_MESSAGES_PLANNED, False):
            try:
                self.messages_committed()
            except Exception:  # noqa: BLE001 - best effort: what committed stays committed, beat's sweep delivers
                log.warning("wake-up after commit failed; beat's sweep will deliver", exc_info=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that may change rows; commits when the block ends without an exception.

        A row lock not had within the lock timeout ends it as ``Busy`` (503 with ``Retry-After``): nothing of
        it was committed, and waiting again would only make the wait longer than its bound."""
        try:
            with self._writer_turns or nullcontext(), self._write_sessions.begin() as session:
                yield session
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise Busy() from None
            raise

    def transaction(self, work: Callable[[Session], T], *, attempts: int = TRANSACTION_ATTEMPTS) -> T:
        """Run ``work`` in a write transaction, again from the start after a deadlock or a stale read.

        Two reschedules crossing each other's slots can lock the same two capacity rows in opposite
        order; PostgreSQL then aborts one of them. A status change that lost its race to another
        transaction raises ``StaleRead``. Nothing of either was committed, so running it again from a fresh
        read is safe. When every attempt lost, the caller is told to try again later (``Busy``).
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as session:
                    return work(session)
            except StaleRead:
                TRANSACTION_RETRIES.labels(reason="stale_read").inc()
                if attempt == attempts:
                    raise Busy() from None
            except OperationalError as error:
                reason = _transient_reason(error)
                if reason is None:
                    raise
                TRANSACTION_RETRIES.labels(reason=reason).inc()
                if attempt == attempts:
                    raise Busy() from None
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction; never commits anything."""
        with self._read_sessions() as session:  # closing ends the transaction; loaded rows stay readable
            yield session

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()


class WriterTurns:
    """One writing transaction at a time on a SQLite file, across threads and processes, waiting in turn.

    Threads of a process share one descriptor of ``<database>-writers`` (a flock is held per open file,
    so a thread lock orders them); each process opens its own, after any fork. Re-entrant, as a nested
    write in one thread must not wait for itself.
    """

    def __init__(self, database_file: str) -> None:
        self._path = f"{database_file}-writers"
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._file = None
        self._pid = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._depth -= 1
                self._thread_lock.release()
                raise

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        self._thread_lock.release()

    def _descriptor(self) -> int:
        if self._pid != os.getpid():
            self._file = open(self._path, "ab")  # noqa: SIM115 - held for the life of the process
            self._pid = os.getpid()
        return self._file.fileno()


_MESSAGES_PLANNED = "antrian.messages_planned"


def note_messages_planned(session: Session) -> None:
    """This transaction added outbox rows: once it commits, ``Database.messages_committed`` runs."""
    session.info[_MESSAGES_PLANNED] = True


def _forget_planned_messages(session: Session, previous_transaction) -> None:
    """The transaction rolled back, so what it planned is gone; a savepoint's rollback keeps the rest."""
    if not previous_transaction.nested:
        session.info.pop(_MESSAGES_PLANNED, None)


def _transient_reason(error: OperationalError) -> str | None:
    """Why running the transaction again may succeed, or None when it would fail the same way."""
    code = getattr(error.orig, "sqlstate", None)
    if code in TRANSIENT_SQLSTATES:
        return TRANSIENT_SQLSTATES[code]
    return "sqlite_locked" if "database is locked" in str(error.orig) else None


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    # hide_parameters: a failed statement's error message must never carry a citizen's phone or NIK hash.
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def insert_ignoring_conflicts(session: Session, table, **values) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect (SQLite and PostgreSQL alike)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).values(**values).on_conflict_do_nothing()
