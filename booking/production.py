"""What production (``BOOKING_ENVIRONMENT=production``) refuses to start with: what only makes sense for a demo.

Every ``booking`` command that starts a process (serve, worker, beat, run) asks ``refusals`` first and stops
with the list, each saying what to change. The embedded default (``make run``) is ``development`` and
checks nothing. ``booking demo load`` asks ``demo_load_refusal``: demo data never goes into a production
database that holds citizens' bookings.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from booking.models import Booking
from booking.settings import Settings

NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def refusals(settings: Settings, database) -> list[str]:
    """Why this production deployment must not start; empty when it may (or when it is not production)."""
    if settings.environment != "production":
        return []
    problems = settings_refusals(settings)
    try:
        with database.read() as session:
            problems += data_refusals(session)
    except SQLAlchemyError as error:  # no schema yet, or the database is down: `booking db upgrade` / ready say so
        problems.append(
            f"cannot read the database to check for demo accounts ({type(error).__name__}): "
            "run `booking db upgrade` first and check BOOKING_DATABASE_URL"
        )
    return problems


def settings_refusals(settings: Settings) -> list[str]:
    problems = []
    url = settings.resolved_public_url
    if _points_at_this_machine(url):
        problems.append(
            f"BOOKING_PUBLIC_URL is {url!r}: citizens' manage links would open their own device. "
            "Set it to the address citizens reach, e.g. BOOKING_PUBLIC_URL=https://antrian.mpp.example.go.id"
        )
    elif urlsplit(url).scheme != "https":
        problems.append(
            f"BOOKING_PUBLIC_URL is {url!r}: manage links carry a private token and must be https:// "
            "(the proxy in compose.yaml gets the certificate)"
        )
    if not settings.secret_key:
        problems.append(
            "BOOKING_SECRET_KEY is not set: a key generated into the data folder is lost with the container, "
            f"and with it every manage link and the one-booking-per-NIK rule. Make one with `{NEW_SECRET}`, "
            "set BOOKING_SECRET_KEY to it, and keep a copy with the backups"
        )
    return problems


def data_refusals(session) -> list[str]:
    from booking.demo.accounts import DEMO_PASSWORD, demo_accounts_in_use

    demo = demo_accounts_in_use(session)
    if not demo:
        return []
    changes = "; ".join(f"`booking staff passwd --username {name}`" for name in demo)
    return [
        f"demo staff accounts open with the public password {DEMO_PASSWORD!r}: {', '.join(demo)}. "
        f"Give each a password of its own ({changes}), or use a database without the demo data"
    ]


def demo_load_refusal(settings: Settings, session) -> str | None:
    """Why ``booking demo load`` must not write into this database (production holding real bookings)."""
    if settings.environment != "production":
        return None
    bookings = session.scalar(select(func.count()).select_from(Booking))
    if not bookings:
        return None
    return (
        f"BOOKING_ENVIRONMENT is production and this database holds {bookings} bookings of citizens: demo data "
        "(sites, services, staff accounts with a public password) would be mixed with them. Load the demo into "
        "a database of its own (another BOOKING_DATABASE_URL) with BOOKING_ENVIRONMENT=development"
    )


def _points_at_this_machine(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
