"""Backups an operator can restore: the database, and a check that the secret key restored with it is the same.

What a backup needs besides the rows: ``BOOKING_SECRET_KEY``. The database keeps only keyed hashes of each
citizen's NIK (the one-booking-per-NIK rule compares them) and a salt per booking from which, with the
key, the manage link is derived; restored under another key, every manage link opens nothing and the same
citizen could book twice. The key is deliberately *not* written into the backup (a stolen dump alone then
cannot make manage links); each backup carries a manifest with the key's fingerprint instead, and
``restore`` refuses a key whose fingerprint differs, saying so.

PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore`` (both from the
PostgreSQL client package, in the image); SQLite with its online backup API, safe while the API writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, make_url, select, text

from booking.models import Booking

MANIFEST_SUFFIX = ".json"


class BackupFailed(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    made_at: str
    database: str  # "postgresql" or "sqlite"
    revision: str  # the schema's Alembic revision
    bookings: int
    secret_key_fingerprint: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as error:
            raise BackupFailed(f"cannot read the backup's manifest {path}: {error}") from None


def key_fingerprint(secret_key: str) -> str:
    """Names a key without revealing it: equal keys, equal fingerprints."""
    return hmac.new(secret_key.encode(), b"antrian-backup-fingerprint", hashlib.sha256).hexdigest()[:16]


def make_backup(database_url: str, secret_key: str, folder: Path, now: dt.datetime) -> Path:
    """Write a backup of the database into ``folder`` (and its manifest beside it); the backup's path."""
    folder.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    revision, bookings = _facts(database_url)
    if url.get_backend_name() == "postgresql":
        target = folder / f"antrian-{stamp}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target)], "pg_dump", database_url)
        kind = "postgresql"
    elif url.get_backend_name() == "sqlite":
        target = folder / f"antrian-{stamp}.db"
        with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        kind = "sqlite"
    else:
        raise BackupFailed(f"no backup for {url.get_backend_name()} databases")
    Manifest(now.isoformat(), kind, revision, bookings, key_fingerprint(secret_key)).write(_manifest_of(target))
    return target


def restore_backup(database_url: str, secret_key: str, backup: Path) -> Manifest:
    """Restore ``backup`` into an empty database, after making sure the configured key is the backup's."""
    manifest = Manifest.read(_manifest_of(backup))
    if manifest.secret_key_fingerprint != key_fingerprint(secret_key):
        raise BackupFailed(
            "BOOKING_SECRET_KEY is not the key this backup was made with (fingerprint "
            f"{key_fingerprint(secret_key)}, the backup's {manifest.secret_key_fingerprint}): restored under it, "
            "every manage link would open nothing and citizens could book twice. Set the key kept with the backups"
        )
    url = make_url(database_url)
    if url.get_backend_name() != manifest.database:
        raise BackupFailed(f"this is a {manifest.database} backup; BOOKING_DATABASE_URL is {url.get_backend_name()}")
    if manifest.database == "postgresql":
        _refuse_a_database_in_use(database_url)
        _run(["pg_restore", "--no-owner", "--exit-on-error", str(backup)], "pg_restore", database_url)
    else:
        target = Path(url.database)
        if target.exists() and target.stat().st_size:
            raise BackupFailed(f"{target} exists: move it away first (a restore never overwrites a database)")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(backup, target)
    return manifest


def _facts(database_url: str) -> tuple[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            bookings = connection.execute(select(func.count()).select_from(Booking)).scalar_one()
    finally:
        engine.dispose()
    return revision, bookings


def _refuse_a_database_in_use(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupFailed(
            f"the database already has {len(tables)} tables: restore into an empty one (dropdb and createdb, "
            "or a new database in BOOKING_DATABASE_URL); a restore never overwrites a database"
        )


def _manifest_of(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def _run(command: list[str], name: str, database_url: str) -> None:
    """Run a PostgreSQL client program on the database; the password goes in its environment, never its
    command line (which ``ps`` shows to everyone on the machine)."""
    if shutil.which(command[0]) is None:
        raise BackupFailed(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    url = make_url(database_url)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    done = subprocess.run([*command, "--dbname", libpq], capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise BackupFailed(f"{name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
