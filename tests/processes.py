"""Facts about processes and the beat lock, read where the kernel and the database keep them.

Not a test module. ``/proc`` says which processes live and who their parent is; ``/proc/locks`` (SQLite's
``flock``) and ``pg_locks`` (PostgreSQL's advisory lock) say which process holds the beat lock.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from workers.beat import APPLICATION_NAME, LOCK_KEY, lock_file


@dataclass(frozen=True)
class Proc:
    """A process as /proc showed it once: its pid and start time (together they survive pid reuse)."""

    pid: int
    ppid: int
    started: int
    state: str
    argv: tuple[str, ...]

    def alive(self) -> bool:
        """Still running: the same process (same start time), not a zombie waiting to be reaped."""
        now = read(self.pid)
        return now is not None and now.started == self.started and now.state not in ("Z", "X")


def read(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ..., starttime (22nd)
    return Proc(pid, int(fields[1]), int(fields[19]), fields[0], tuple(a.decode(errors="replace") for a in argv if a))


def everyone() -> list[Proc]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (proc := read(int(entry))) is not None:
            found.append(proc)
    return found


def children(pid: int) -> list[Proc]:
    return [proc for proc in everyone() if proc.ppid == pid and proc.state not in ("Z", "X")]


def environment(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    return dict(item.decode(errors="replace").split("=", 1) for item in raw.split(b"\0") if b"=" in item)


def beat_processes(data_dir: Path) -> list[Proc]:
    """Every live ``booking beat`` process of this data dir, whoever started it (an orphan too)."""
    return [
        proc
        for proc in everyone()
        if len(proc.argv) >= 2 and Path(proc.argv[-2]).name == "booking" and proc.argv[-1] == "beat"
        if proc.state not in ("Z", "X") and environment(proc.pid).get("BOOKING_DATA_DIR") == str(data_dir)
    ]


def beat_lock_holders(database_url: str) -> list[int]:
    """The pids that hold the beat lock of this database now (never more than one, if the lock works)."""
    if database_url.startswith("sqlite"):
        path = lock_file(database_url)
        if not path.exists():
            return []
        inode = path.stat().st_ino
        holders = []
        for line in Path("/proc/locks").read_text().splitlines():
            # "3: FLOCK  ADVISORY  WRITE 26554 fe:00:2147239 0 EOF"; a blocked waiter's line has "->"
            parts = line.split()
            if "->" not in parts and parts[1] == "FLOCK" and int(parts[5].rsplit(":", 1)[1]) == inode:
                holders.append(int(parts[4]))
        return holders
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            names = connection.execute(
                sa.text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = :high"
                    " AND l.objid::bigint = :low AND l.objsubid = 2"
                    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"high": LOCK_KEY[0], "low": LOCK_KEY[1]},
            ).scalars()
            return [int(re.match(rf"{APPLICATION_NAME} pid (\d+)", name).group(1)) for name in names]
    finally:
        engine.dispose()
