"""The audit log: every staff and admin action, written in the action's own transaction."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import AuditEntry

SYSTEM = "system"  # periodic tasks (the no-show sweep)
COMMAND_LINE = "cli"


def day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """A local day of a site as the instants it begins and ends."""
    zone = ZoneInfo(timezone)
    return dt.datetime.combine(day, dt.time(), zone), dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    site_id: int | None,
    now: dt.datetime,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    session.add(
        AuditEntry(at=now, site_id=site_id, actor=actor, action=action, target=target, before=before, after=after)
    )


def entries(
    session: Session,
    site_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Newest first; page back with ``before_id`` (the smallest id of the previous page). Filters: who
    (``actor``, exactly), what (``action``: ``closure`` finds closure.create and closure.remove), and when
    (``since`` <= at < ``until``)."""
    if any("\x00" in text for text in (actor or "", action or "")):  # matches nothing; PostgreSQL refuses it
        return []
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if actor:
        query = query.where(AuditEntry.actor == actor.strip().lower())
    if action:
        what = action.strip().lower()
        query = query.where((AuditEntry.action == what) | AuditEntry.action.startswith(what + ".", autoescape=True))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
