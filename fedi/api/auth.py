"""Bearer tokens and scopes: who is calling, and whether the token allows what they ask.

401 for a missing, unknown, revoked or expired token; 403 when the token lacks the scope (or,
for the admin API, its user lacks a moderator role);
422 when an endpoint needs a user and the token is an app's own (client_credentials).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session
from starlette.requests import HTTPConnection

from fedi.api.context import run_sync, runtime_of
from fedi.errors import Forbidden, Unauthorized, Unprocessable
from fedi.models.accounts import Account, Role
from fedi.models.oauth import OAuthApplication
from fedi.security import scopes as scope_rules
from fedi.security.tokens import hash_secret
from fedi.services import oauth

# last_used_at is a hint for the user's list of apps: written at most this often per token.
TOUCH_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Caller:
    token_id: int
    scopes: frozenset[str]
    application: OAuthApplication
    user_id: int | None
    # A snapshot for reads; writes load the account again in their own session (`me`).
    account: Account | None
    expires_at: datetime | None
    role: Role = Role.USER

    @property
    def viewer(self) -> Account:
        """The caller's account; app-only tokens (client_credentials) have none."""
        if self.account is None:
            raise Unprocessable("This method requires an authenticated user")
        return self.account

    @property
    def account_id(self) -> int:
        return self.viewer.id

    def me(self, session: Session) -> Account:
        """The caller's account, attached to `session` (for services that modify it)."""
        account = session.get(Account, self.account_id)
        if account is None:
            raise Unauthorized()
        return account

    def allows(self, *any_of: str) -> bool:
        return any(scope in self.scopes for scope in any_of)


def bearer_token(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def authenticate(request: HTTPConnection, token: str | None = None) -> Caller | None:
    """The caller when a token is presented (None without one); 401 when it is not valid."""
    token = token or bearer_token(request)
    if token is None:
        return None
    rt = runtime_of(request)
    memo, key = rt.db.memo, ("caller", hash_secret(token))
    # Who a token belongs to is remembered while the database does not change: a revocation,
    # a new password, a suspension or a disabled login is a write, and the next request sees it.
    version = memo.version() if memo is not None else None
    if memo is not None and version is not None:
        known: Caller | None = memo.get(version, key)
        if isinstance(known, Caller) and not _expired(known.expires_at):
            return known

    def check() -> oauth.Authenticated | None:
        with rt.db.reader() as session:
            found = oauth.authenticate(session, token)
        if found is not None and _stale(found.token.last_used_at):
            with rt.db.session() as session:
                oauth.touch(session, found.token.id)
        return found

    found = await run_sync(check)
    if found is None:
        raise Unauthorized()
    caller = Caller(
        token_id=found.token.id,
        scopes=scope_rules.expand(found.token.scopes.split()),
        application=found.application,
        user_id=found.token.user_id,
        account=found.account,
        expires_at=found.token.expires_at,
        role=Role(found.user.role) if found.user is not None else Role.USER,
    )
    if memo is not None and version is not None:
        memo.put(version, key, caller)
    return caller


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= datetime.now(UTC)


def _stale(last_used: datetime | None) -> bool:
    return last_used is None or datetime.now(UTC) - last_used > TOUCH_EVERY


async def authorize(request: HTTPConnection, *any_of: str, user: bool = True) -> Caller:
    """A caller whose token holds one of the scopes (and acts for a user unless `user=False`)."""
    caller = await authenticate(request)
    if caller is None:
        raise Unauthorized("The access token is invalid")
    require(caller, *any_of)
    if user and caller.account is None:
        raise Unprocessable("This method requires an authenticated user")
    return caller


async def authorize_staff(request: HTTPConnection, *any_of: str, role: Role = Role.MODERATOR) -> Caller:
    """A caller with one of the (admin) scopes whose user holds `role` or above (Mastodon: 403)."""
    caller = await authorize(request, *any_of)
    if not caller.role.at_least(role):
        raise Forbidden("This action is not allowed")
    return caller


def require(caller: Caller, *any_of: str) -> None:
    if any_of and not caller.allows(*any_of):
        raise Forbidden("This action is outside the authorized scopes")


async def optional_caller(request: HTTPConnection, *any_of: str) -> Caller | None:
    """For endpoints open to everyone: the caller if a token is sent (checked like any other)."""
    caller = await authenticate(request)
    if caller is not None:
        require(caller, *any_of)
    return caller


async def optional_viewer(request: HTTPConnection, *any_of: str) -> Account | None:
    """The account of the caller of an endpoint open to everyone (None when anonymous)."""
    caller = await optional_caller(request, *any_of)
    return caller.account if caller is not None else None
