"""Staff accounts: passwords, login throttling, and who may touch what.

Passwords are kept only as Argon2 hashes (argon2-cffi). After ``MAX_FAILED_LOGINS`` wrong passwords in a
row an account is locked for a while, doubling with each further failure; a lock answers ``rate_limited``
even to the right password, so guessing stays slow whichever process answers. (A lock shows that the
username exists; an unknown one never locks. The per-client rate limit on login bounds that probing.)
Changing a password raises the account's ``token_version``, which ends every token issued before.

Roles: an ``admin`` runs a whole site; ``staff`` work for one agency and see only its bookings; a
``partner`` (a kantor desa, an assisted-booking partner) books for citizens at one site and does nothing else
(``require_staff`` keeps it off every staff and admin route and page).
A site's admin manages its accounts (``site_accounts``, ``create_account``, ``update_account``): a disabled
account ends at once (its ``token_version`` goes up and a token of an inactive account stands for nobody),
and the site's last active admin cannot be disabled or made a clerk (``last_admin``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking import audit
from booking.catalogue import unusable_key
from booking.errors import AccountLocked, FieldError, Forbidden, InvalidInput, LastAdmin, NotFound
from booking.models import Agency, Site, StaffRole, StaffUser

MAX_FAILED_LOGINS = 5
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()
# Verified when the username is unknown, so a miss takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anybody")


@dataclass(frozen=True)
class Principal:
    """Who is calling, as a token proves it."""

    user_id: int
    username: str
    role: str
    site_id: int
    agency_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.admin

    @property
    def is_partner(self) -> bool:
        return self.role == StaffRole.partner


def principal_of(user: StaffUser) -> Principal:
    return Principal(user.id, user.username, user.role, user.site_id, user.agency_id)


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    site_slug: str,
    agency_slug: str | None,
    now: dt.datetime,
    actor: str = audit.COMMAND_LINE,
) -> StaffUser:
    errors = []
    username = username.strip().lower()
    if not USERNAME.match(username):
        errors.append(FieldError("username", "username_invalid"))
    elif session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        errors.append(FieldError("username", "username_taken"))
    errors += _password_errors(password)
    if role not in tuple(StaffRole):
        errors.append(FieldError("role", "role_unknown"))
    site = session.scalar(select(Site).where(Site.slug == site_slug))
    if site is None:
        errors.append(FieldError("site", "site_unknown"))
    agency = None
    if role == StaffRole.staff and not agency_slug:
        errors.append(FieldError("agency", "required"))
    elif agency_slug and site is not None:
        agency = session.scalar(select(Agency).where(Agency.site_id == site.id, Agency.slug == agency_slug))
        if agency is None:
            errors.append(FieldError("agency", "agency_unknown"))
        elif not agency.active:
            errors.append(FieldError("agency", "agency_retired"))
    if errors:
        raise InvalidInput(errors)
    user = StaffUser(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        site_id=site.id,
        agency_id=agency.id if role == StaffRole.staff else None,
        token_version=0,
        failed_logins=0,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.create",
        target=f"staff:{username}",
        site_id=site.id,
        now=now,
        after={"role": role, "agency": agency.slug if agency and role == StaffRole.staff else None},
    )
    return user


def change_password(
    session: Session, username: str, password: str, *, now: dt.datetime, actor: str = audit.COMMAND_LINE
) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise NotFound(what="staff")
    if errors := _password_errors(password):
        raise InvalidInput(errors)
    user.password_hash = _hasher.hash(password)
    user.token_version += 1
    user.failed_logins, user.locked_until = 0, None
    audit.record(
        session,
        actor=actor,
        action="staff.password",
        target=f"staff:{user.username}",
        site_id=user.site_id,
        now=now,
    )
    return user


@dataclass(frozen=True)
class LoginAttempt:
    """An account found for a username (or none), read before the slow password check."""

    user_id: int | None
    password_hash: str


def begin_login(session: Session, username: str, *, now: dt.datetime) -> LoginAttempt:
    """The account to check a password against, or AccountLocked (a ``rate_limited``) while it is locked.

    The caller verifies the password outside any transaction (Argon2 takes tens of milliseconds and
    64 MiB; on SQLite a write transaction would hold every booking back meanwhile), then records the
    outcome with ``finish_login`` in a short write transaction of its own.
    """
    clean = username.strip().lower()
    user = None if unusable_key(clean) else session.scalar(select(StaffUser).where(StaffUser.username == clean))
    if user is None or not user.active:  # a disabled account answers as an unknown one
        return LoginAttempt(None, _DUMMY_HASH)
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(retry_after=math.ceil((user.locked_until - now).total_seconds()))
    return LoginAttempt(user.id, user.password_hash)


def password_matches(attempt: LoginAttempt, password: str) -> bool:
    return _verify(attempt.password_hash, password) and attempt.user_id is not None


def finish_login(session: Session, attempt: LoginAttempt, matched: bool, *, now: dt.datetime) -> StaffUser | None:
    """Count a failure (atomically: parallel guesses each count) or clear the count; the account on success."""
    if attempt.user_id is None:
        return None
    if matched:
        session.execute(
            update(StaffUser).where(StaffUser.id == attempt.user_id).values(failed_logins=0, locked_until=None)
        )
        return session.get(StaffUser, attempt.user_id)
    failures = session.scalar(
        update(StaffUser)
        .where(StaffUser.id == attempt.user_id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    )
    if failures is not None and failures >= MAX_FAILED_LOGINS:
        lock = min(FIRST_LOCK * 2 ** (failures - MAX_FAILED_LOGINS), LONGEST_LOCK)
        session.execute(update(StaffUser).where(StaffUser.id == attempt.user_id).values(locked_until=now + lock))
    return None


def sign_out_everywhere(session: Session, user_id: int) -> None:
    """End every token of an account (the staff pages' sign-out): its token_version goes up."""
    session.execute(update(StaffUser).where(StaffUser.id == user_id).values(token_version=StaffUser.token_version + 1))


def current_user(session: Session, user_id: int, token_version: int) -> StaffUser | None:
    """The account a token names, if the token is still good for it (active, no password change since)."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or user.token_version != token_version:
        return None
    return user


# Accounts, as a site's admin manages them


def site_accounts(session: Session, admin: Principal) -> list[StaffUser]:
    """The accounts of the admin's site: admins first, then clerks by agency, by name."""
    require_admin(admin)
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.site_id == admin.site_id)
            .order_by(StaffUser.role, StaffUser.agency_id, StaffUser.username)
        )
    )


def site_account(session: Session, admin: Principal, username: str) -> StaffUser:
    """One account of the admin's site; another site's is not found, as an unknown one."""
    require_admin(admin)
    clean = username.strip().lower() if isinstance(username, str) else ""
    user = None if unusable_key(clean) else session.scalar(select(StaffUser).where(StaffUser.username == clean))
    if user is None or user.site_id != admin.site_id:
        raise NotFound(what="staff")
    return user


def create_account(session: Session, admin: Principal, values: dict, *, now: dt.datetime) -> StaffUser:
    """A new clerk (``agency`` required) or admin of the admin's own site."""
    require_admin(admin)
    site = session.get(Site, admin.site_id)
    return create_staff(  # every problem at once, each by its field
        session,
        username=str(values.get("username") or ""),
        password=str(values.get("password") or ""),
        role=str(values.get("role") or ""),
        site_slug=site.slug,
        agency_slug=values.get("agency") or None,
        now=now,
        actor=admin.username,
    )


def update_account(session: Session, admin: Principal, username: str, values: dict, *, now: dt.datetime):
    """Disable or enable an account, move it to another agency, change its role, or reset its password.

    Disabling ends every token of the account at once. The site keeps at least one active admin:
    a change that would leave none is ``last_admin`` (409), and nothing is changed.
    """
    user = site_account(session, admin, username)
    errors: list[FieldError] = [FieldError("username", "not_changeable")] if "username" in values else []
    role = values.get("role", user.role)
    if role not in tuple(StaffRole):
        errors.append(FieldError("role", "role_unknown"))
    agency_id = user.agency_id
    if values.get("agency"):
        agency = session.scalar(select(Agency).where(Agency.site_id == user.site_id, Agency.slug == values["agency"]))
        if agency is None:
            errors.append(FieldError("agency", "agency_unknown"))
        elif not agency.active:
            errors.append(FieldError("agency", "agency_retired"))
        else:
            agency_id = agency.id
    if role == StaffRole.staff and agency_id is None:
        errors.append(FieldError("agency", "required"))
    active = values.get("active", user.active)
    if not isinstance(active, bool):
        errors.append(FieldError("active", "type_invalid"))
    if values.get("password") is not None:
        errors += _password_errors(str(values["password"]))
    if errors:
        raise InvalidInput(errors)
    if user.active and user.role == StaffRole.admin and not (active and role == StaffRole.admin):
        _refuse_last_admin(session, user)
    before = _account_fields(session, user)
    user.role, user.agency_id = role, agency_id if role == StaffRole.staff else None
    if user.active and not active:
        user.token_version += 1  # every token and page session of the account ends now
    if active and not user.active:
        user.failed_logins, user.locked_until = 0, None
    user.active = active
    if values.get("password") is not None:
        user.password_hash = _hasher.hash(str(values["password"]))
        user.token_version += 1
        user.failed_logins, user.locked_until = 0, None
        audit.record(
            session, actor=admin.username, action="staff.password", target=f"staff:{user.username}",
            site_id=user.site_id, now=now,
        )  # fmt: skip
    session.flush()
    after = _account_fields(session, user)
    if after != before:
        audit.record(
            session, actor=admin.username, action="staff.update", target=f"staff:{user.username}",
            site_id=user.site_id, now=now, before=before, after=after,
        )  # fmt: skip
    return user


def _refuse_last_admin(session: Session, user: StaffUser) -> None:
    """Another active admin of the site must remain. The site's admins are locked first (PostgreSQL), so
    two admins disabling each other at once cannot both succeed."""
    admins = session.scalars(
        select(StaffUser.id)
        .where(StaffUser.site_id == user.site_id, StaffUser.role == StaffRole.admin, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update()
    )
    if not set(admins) - {user.id}:
        raise LastAdmin()


def account_agency(session: Session, user: StaffUser) -> str | None:
    """The slug of the account's agency as it now stands (also right after a move, before any refresh)."""
    return session.scalar(select(Agency.slug).where(Agency.id == user.agency_id)) if user.agency_id else None


def _account_fields(session: Session, user: StaffUser) -> dict:
    return {"role": str(user.role), "agency": account_agency(session, user), "active": user.active}


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden()


def require_agency(principal: Principal, site_id: int, agency_id: int) -> None:
    """Staff touch only their own agency; an admin any agency of their own site."""
    if principal.site_id != site_id or (not principal.is_admin and principal.agency_id != agency_id):
        raise Forbidden()


def require_staff(principal: Principal) -> None:
    """A partner account books for citizens and nothing else: no schedule, queue, report or admin work."""
    if principal.is_partner:
        raise Forbidden()


def require_booking_for(principal: Principal, site_id: int, agency_id: int | None) -> None:
    """Who may book on a citizen's behalf: a clerk for their own agency, an admin or a partner for any agency
    of their own site (``agency_id`` None: a service not known, which the booking's own checks answer)."""
    if principal.site_id != site_id:
        raise Forbidden()
    if principal.role == StaffRole.staff and agency_id is not None and principal.agency_id != agency_id:
        raise Forbidden()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _password_errors(password: str) -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError("password", "password_too_short", {"length": MIN_PASSWORD_LENGTH})]
    return []
