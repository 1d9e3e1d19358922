"""Demo staff accounts, so a newcomer can try the staff pages after ``make run``.

Demo only: the password is public (it is in the README). Never load demo data into a real deployment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import StaffUser
from booking.staff import LoginAttempt, create_staff, password_matches

DEMO_PASSWORD = "antrian-demo-2026"
DEMO_ACCOUNTS = (
    # username, role, site, agency
    ("admin-blora", "admin", "blora", None),
    ("petugas-dukcapil", "staff", "blora", "dindukcapil"),
)


def load_demo_accounts(session: Session, now: dt.datetime) -> int:
    """Create the demo accounts that do not exist yet; returns how many were added."""
    existing = set(session.scalars(select(StaffUser.username)))
    added = 0
    for username, role, site, agency in DEMO_ACCOUNTS:
        if username not in existing:
            create_staff(
                session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                site_slug=site,
                agency_slug=agency,
                now=now,
            )
            added += 1
    return added


def demo_accounts_in_use(session: Session) -> list[str]:
    """The demo accounts that still open with the public demo password (production refuses to start with them)."""
    names = [username for username, *_ in DEMO_ACCOUNTS]
    users = session.scalars(select(StaffUser).where(StaffUser.username.in_(names)).order_by(StaffUser.username))
    return [
        user.username for user in users if password_matches(LoginAttempt(user.id, user.password_hash), DEMO_PASSWORD)
    ]
