"""A process's copies of the catalogue -- sites, services with their agency, counters and opening rules,
closures -- that are never stale: each use checks them against the database in the caller's transaction.

Every change to a catalogue table gives the one row of ``catalogue_version`` a new random token, by triggers
in the database (migration 0017) inside the changing transaction, whoever changes it: the admin pages in
another process, the importer, psql. A lookup reads the token in the caller's transaction (one primary-key
read) and answers from the copy kept under that token; under another token it loads the rows in the
caller's session as before and keeps a copy only if the token did not move while it loaded. So a lookup
sees exactly what a query at the moment of its token read would have seen, and a booking that reads after
``bookings.hold_rules`` took its locks reads the rules it holds, as before.

Copies are detached ORM objects that no session ever owns: each lookup merges them into the caller's session
without a query (``Session.merge(load=False)``, about a tenth of the cost of the joined read it replaces,
measured in BENCHMARKS.md), so a caller may use, change or attach what it gets exactly as if it had loaded it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from booking.models import CatalogueVersion

# The tables whose every change replaces the token (the triggers of migration 0017 name them too).
CATALOGUE_TABLES = ("sites", "agencies", "services", "counters", "counter_services", "opening_rules", "closures")
# A few thousand objects at most: the services of the busiest sites and their recent closure ranges.
MAX_ENTRIES = 512
# Plain values worked out of the catalogue (a service's 31 days of opening hours share their slot grids).
MAX_DERIVED = 2048
T = TypeVar("T")


class _Copies:
    """The copies one engine's lookups made under the newest token they read; a new token drops them all."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.lock = threading.Lock()
        self.token: str | None = None
        self.entries: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, token: str, key: Hashable) -> tuple[bool, object]:
        with self.lock:
            if token != self.token or key not in self.entries:
                return False, None
            self.entries.move_to_end(key)
            return True, self.entries[key]

    def put(self, token: str, key: Hashable, value: object) -> None:
        with self.lock:
            if token != self.token:
                self.token, self.entries = token, OrderedDict()
            self.entries[key] = value
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


_copies_of: WeakKeyDictionary[Engine, _Copies] = WeakKeyDictionary()
_derived_of: WeakKeyDictionary[Engine, _Copies] = WeakKeyDictionary()
_copies_lock = threading.Lock()


def lookup(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """What ``load()`` (a query in ``session`` returning an object, a list of them, or None) returns now, from
    the copy kept under the current token when there is one."""
    return _kept(
        session, _copies_of, MAX_ENTRIES, key, load, keep=_detached, give=lambda copy: _merged(session, copy)
    )


def derived(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """What ``compute()`` works out of the catalogue alone -- never of bookings or the clock -- kept under the
    current token. Its value is shared by every caller as it is: plain immutable values, no ORM object."""
    return _kept(session, _derived_of, MAX_DERIVED, key, compute, keep=_as_it_is, give=_as_it_is)


def _kept(session, kept, max_entries, key, make, *, keep, give):
    """``give(copy)`` of what is kept under ``key`` and the current token; else ``make()``, and ``keep(made)`` is
    kept if the token did not move while it was made."""
    token = current_token(session)
    copies = _copies_for(session, kept, max_entries)
    if token is not None:
        found, copy = copies.get(token, key)
        if found:
            return give(copy)
    made = make()
    if token is not None and current_token(session) == token:  # nothing changed while it was made
        copies.put(token, key, keep(made))
    return made


def _as_it_is(value):
    return value


def current_token(session: Session) -> str | None:
    """None where the row is missing (a database emptied by hand): then nothing is kept.

    The session's own changes are flushed first, so that they have given the token its new value; then the
    read goes straight to the connection (through the ORM it was a tenth of a booking's time)."""
    session.flush()
    return session.connection().execute(_TOKEN).scalar()


_TOKEN = select(CatalogueVersion.__table__.c.token).where(CatalogueVersion.__table__.c.id == 1)


def _copies_for(session: Session, kept: WeakKeyDictionary[Engine, _Copies], max_entries: int) -> _Copies:
    engine = session.get_bind()
    with _copies_lock:
        copies = kept.get(engine)
        if copies is None:
            copies = kept[engine] = _Copies(max_entries)
        return copies


def _detached(loaded):
    """Copies no session owns, with everything ``loaded`` had loaded (relationships included)."""
    if loaded is None:
        return None
    scratch = Session()
    copies = [scratch.merge(one, load=False) for one in (loaded if isinstance(loaded, list) else [loaded])]
    scratch.expunge_all()
    return copies if isinstance(loaded, list) else copies[0]


def _merged(session: Session, copy):
    if copy is None:
        return None
    if isinstance(copy, list):
        return [session.merge(one, load=False) for one in copy]
    return session.merge(copy, load=False)
