"""Staff accounts: passwords, login throttling, and who may touch what.

Passwords are kept only as Argon2 hashes (argon2-cffi). After ``MAX_FAILED_LOGINS`` wrong passwords in a
row an account is locked for a while, doubling with each further failure; a lock answers ``rate_limited``
even to the right password, so guessing stays slow whichever process answers. Changing a password
raises the account's ``token_version``, which ends every token issued before.

Roles: an ``admin`` runs a whole site; ``staff`` work for one agency and see only its bookings.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import audit
from booking.errors import FieldError, Forbidden, InvalidInput, NotFound, RateLimited, Unauthorized
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
        actor=audit.COMMAND_LINE,
        action="staff.create",
        target=f"staff:{username}",
        site_id=site.id,
        now=now,
        after={"role": role, "agency": agency.slug if agency else None},
    )
    return user


def change_password(session: Session, username: str, password: str, *, now: dt.datetime) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise NotFound(what="staff")
    if errors := _password_errors(password):
        raise InvalidInput(errors)
    user.password_hash = _hasher.hash(password)
    user.token_version += 1
    user.failed_logins, user.locked_until = 0, None
    audit.record(
        session, actor=audit.COMMAND_LINE, action="staff.password", target=f"staff:{user.username}",
        site_id=user.site_id, now=now,
    )
    return user


def log_in(session: Session, username: str, password: str, *, now: dt.datetime) -> StaffUser:
    """The account behind a username and password, or Unauthorized / RateLimited. Commit either way:
    a failure is counted in the caller's transaction, which must not roll it back."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        _verify(_DUMMY_HASH, password)
        raise Unauthorized()
    if user.locked_until is not None and user.locked_until > now:
        raise RateLimited(retry_after=math.ceil((user.locked_until - now).total_seconds()))
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            lock = FIRST_LOCK * 2 ** (user.failed_logins - MAX_FAILED_LOGINS)
            user.locked_until = now + min(lock, LONGEST_LOCK)
        raise Unauthorized()
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def current_user(session: Session, user_id: int, token_version: int) -> StaffUser | None:
    """The account a token names, if the token is still good for it (no password change since)."""
    user = session.get(StaffUser, user_id)
    if user is None or user.token_version != token_version:
        return None
    return user


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden()


def require_agency(principal: Principal, site_id: int, agency_id: int) -> None:
    """Staff touch only their own agency; an admin any agency of their own site."""
    if principal.site_id != site_id or (not principal.is_admin and principal.agency_id != agency_id):
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
