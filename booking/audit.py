"""The audit log: every staff and admin action, written in the action's own transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import AuditEntry

SYSTEM = "system"  # periodic tasks (the no-show sweep)
COMMAND_LINE = "cli"


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
    session: Session, site_id: int, *, since: dt.datetime | None = None, limit: int = 200, before_id: int | None = None
) -> list[AuditEntry]:
    """Newest first; page back with ``before_id`` (the smallest id of the previous page)."""
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
