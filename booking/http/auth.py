"""Staff bearer tokens with Litestar's JWT tools: issued at login, checked on every staff and admin route.

A token names the account and its ``token_version``; a password change raises the version, so older
tokens stop working at once. The check loads the account on each request (one primary-key read), so a
deleted account or a changed role takes effect immediately too.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth, Token

from booking.errors import WrongCredentials
from booking.http.context import Context
from booking.staff import (
    Principal,
    begin_login,
    current_user,
    finish_login,
    password_matches,
    principal_of,
    require_staff,
)

ALGORITHM = "HS256"


def principal_of_token(context: Context, token: Token) -> Principal | None:
    """The account a (verified) token names, if it still stands."""
    try:
        user_id, version = int(token.sub), int(token.extras.get("ver", -1))
    except (TypeError, ValueError):
        return None
    with context.db.read() as session:
        user = current_user(session, user_id, version)
        return principal_of(user) if user is not None else None


def principal_of_cookie(context: Context, tokens: TokenIssuer, encoded: str | None) -> Principal | None:
    """For the staff pages, whose token lives in an HttpOnly cookie (their forms carry CSRF tokens)."""
    token = tokens.decode(encoded) if encoded else None
    return principal_of_token(context, token) if token is not None else None


def staff_only(connection: ASGIConnection, _handler: object) -> None:
    """A guard for every staff and admin route: a partner account is refused there (403). An OPTIONS request
    carries no account (the auth middleware lets it through): nothing to refuse."""
    principal = connection.scope.get("user")
    if isinstance(principal, Principal):
        require_staff(principal)


def staff_auth(context: Context) -> JWTAuth[Principal]:
    def principal_for(token: Token, _connection: ASGIConnection) -> Principal | None:
        return principal_of_token(context, token)

    return JWTAuth[Principal](
        algorithm=ALGORITHM,
        retrieve_user_handler=principal_for,
        token_secret=context.settings.staff_token_key,
        default_token_expiration=dt.timedelta(minutes=context.settings.staff_token_minutes),
    )


class TokenIssuer:
    """Signs tokens for a logged-in account (a plain class: handlers are given it as a dependency)."""

    def __init__(self, auth: JWTAuth[Principal], minutes: int) -> None:
        self._auth, self.lifetime_seconds = auth, minutes * 60

    def issue(self, user_id: int, token_version: int) -> str:
        return self._auth.create_token(identifier=str(user_id), token_extras={"ver": token_version})

    def decode(self, encoded: str) -> Token | None:
        """A token this app signed and that has not expired, or None."""
        try:
            return Token.decode(encoded, secret=self._auth.token_secret, algorithm=ALGORITHM)
        except NotAuthorizedException:  # bad signature, expired, malformed
            return None


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    role: str
    agency: str | None


def issue_token(ctx: Context, tokens: TokenIssuer, username: str, password: str) -> TokenOut:
    """Check a login and sign a token. Failures are committed (they count towards the lock); the slow
    password check runs outside any transaction."""
    now = ctx.clock()
    with ctx.db.read() as session:
        attempt = begin_login(session, username, now=now)
    matched = password_matches(attempt, password)
    with ctx.db.write() as session:
        user = finish_login(session, attempt, matched, now=now)
        if user is not None:
            token = tokens.issue(user.id, user.token_version)
            role, agency = user.role, user.agency.slug if user.agency else None
    if user is None:
        raise WrongCredentials()
    return TokenOut(
        access_token=token, token_type="bearer", expires_in=tokens.lifetime_seconds, role=role, agency=agency
    )
