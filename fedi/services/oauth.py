"""OAuth 2 as Mastodon speaks it: client registration, authorization codes (with PKCE), tokens.

Client secrets, codes and tokens are stored as SHA-256 hashes only; the plain values exist once,
in the reply that hands them out. Errors are OAuthError with RFC 6749 codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session

from fedi.errors import OAuthError, Unprocessable
from fedi.models.accounts import Account, User
from fedi.models.oauth import OAuthApplication, OAuthCode, OAuthToken
from fedi.runtime import Runtime
from fedi.security import scopes as scope_rules
from fedi.security.passwords import Passwords
from fedi.security.tokens import hash_secret, new_secret, pkce_matches, same_secret
from fedi.services import events
from fedi.store import accounts as account_store
from fedi.store import oauth as store
from fedi.store import push as push_store

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
MAX_REDIRECT_URIS = 10
# Schemes a redirect may never use: they would run code in the user's browser.
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class RegisteredApp:
    application: OAuthApplication
    client_secret: str


@dataclass(frozen=True)
class IssuedToken:
    token: OAuthToken
    access_token: str


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated request for a user's consent, as the consent page shows and posts it."""

    application: OAuthApplication
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass(frozen=True)
class Authenticated:
    """A valid token and who it acts for (no user for client_credentials tokens)."""

    token: OAuthToken
    application: OAuthApplication
    user: User | None
    account: Account | None


# Clients -------------------------------------------------------------------------------------


def register_app(
    session: Session, *, name: str, redirect_uris: list[str], scopes: list[str], website: str | None
) -> RegisteredApp:
    name = name.strip()
    if not name or len(name) > 255:
        raise Unprocessable("client_name must be 1-255 characters", field="client_name")
    uris = [u.strip() for u in redirect_uris if u.strip()] or [OOB]
    if len(uris) > MAX_REDIRECT_URIS:
        raise Unprocessable(f"at most {MAX_REDIRECT_URIS} redirect_uris", field="redirect_uris")
    for uri in uris:
        _check_redirect_uri(uri)
    scopes = scopes or [scope_rules.DEFAULT]
    if bad := scope_rules.unknown(scopes):
        raise Unprocessable(f"unknown scopes: {' '.join(bad)}", field="scopes")
    if website is not None and website.strip():
        website = website.strip()
        if len(website) > 2048 or urlsplit(website).scheme not in ("http", "https"):
            raise Unprocessable("website must be an http(s) URL", field="website")
    else:
        website = None
    secret = new_secret()
    application = OAuthApplication(
        name=name,
        website=website,
        redirect_uris="\n".join(uris),
        scopes=" ".join(scopes),
        client_id=new_secret(),
        client_secret_hash=hash_secret(secret),
    )
    session.add(application)
    session.flush()
    return RegisteredApp(application, secret)


def _check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    # Custom schemes (com.tapbots.Ivory.10217:/request_token) are how native apps get the code.
    if len(uri) > 2000 or not _SCHEME.match(scheme) or scheme in _FORBIDDEN_SCHEMES or parts.fragment:
        raise Unprocessable(f"redirect_uris contains an unusable URI: {uri[:100]}", field="redirect_uris")
    if scheme in ("http", "https") and not parts.netloc:
        raise Unprocessable(f"redirect_uris contains an unusable URI: {uri[:100]}", field="redirect_uris")


def redirect_uris(application: OAuthApplication) -> list[str]:
    return application.redirect_uris.split("\n")


def authenticate_client(
    session: Session, client_id: str | None, client_secret: str | None
) -> OAuthApplication:
    application = store.application_by_client_id(session, client_id or "")
    if application is None or not same_secret(client_secret or "", application.client_secret_hash):
        raise OAuthError(
            "invalid_client", "Client authentication failed: unknown client or wrong secret", status=401
        )
    return application


# Authorization codes -------------------------------------------------------------------------


def authorization_request(
    session: Session,
    *,
    client_id: str,
    redirect_uri: str | None,
    response_type: str,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthorizationRequest:
    """Check what a client asks the user to approve; every problem is shown, never redirected."""
    application = store.application_by_client_id(session, client_id)
    if application is None:
        raise OAuthError("invalid_client", "This application is not registered here")
    registered = redirect_uris(application)
    if redirect_uri is None and len(registered) == 1:
        redirect_uri = registered[0]
    if redirect_uri not in registered:
        raise OAuthError("invalid_request", "The redirect URI is not one the application registered")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported")
    wanted = scope_rules.parse(scope) or [scope_rules.DEFAULT]
    if scope_rules.unknown(wanted) or not scope_rules.covers(application.scopes.split(), wanted):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or more than the app's")
    if code_challenge is not None or code_challenge_method is not None:
        # Without a method RFC 7636 means "plain", which offers no protection: S256 only.
        if code_challenge_method != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        if code_challenge is None or not _CHALLENGE.match(code_challenge):
            raise OAuthError("invalid_request", "code_challenge must be a base64url SHA-256 digest")
    return AuthorizationRequest(
        application=application,
        redirect_uri=redirect_uri,
        scopes=wanted,
        state=state,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
    )


def grant_code(session: Session, request: AuthorizationRequest, user: User) -> str:
    code = new_secret()
    session.add(
        OAuthCode(
            code_hash=hash_secret(code),
            application_id=request.application.id,
            user_id=user.id,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            expires_at=datetime.now(UTC) + CODE_LIFETIME,
        )
    )
    return code


# Tokens --------------------------------------------------------------------------------------


def exchange_code(
    session: Session,
    application: OAuthApplication,
    *,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> IssuedToken:
    now = datetime.now(UTC)
    row = store.code_by_hash(session, hash_secret(code or ""))
    if row is None or row.application_id != application.id or row.expires_at <= now:
        raise OAuthError("invalid_grant", "The authorization code is invalid, expired or for another client")
    if redirect_uri != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the one the code was issued for")
    if row.code_challenge is not None and not pkce_matches(code_verifier or "", row.code_challenge):
        raise OAuthError("invalid_grant", "The code verifier does not match the code challenge")
    if not store.claim_code(session, row.id, now):
        raise OAuthError("invalid_grant", "The authorization code was already used")
    return issue(session, application, row.scopes.split(), user_id=row.user_id)


def client_credentials(session: Session, application: OAuthApplication, scope: str | None) -> IssuedToken:
    return issue(session, application, _granted(application, scope), user_id=None)


def password_grant(
    session: Session,
    rt: Runtime,
    application: OAuthApplication,
    *,
    username: str | None,
    password: str | None,
    scope: str | None,
) -> IssuedToken:
    if not rt.settings.api.password_grant:
        raise OAuthError("unsupported_grant_type", "The password grant is turned off on this server")
    user = login(session, rt.passwords, username or "", password or "")
    if user is None:
        raise OAuthError("invalid_grant", "The e-mail address or password is wrong")
    return issue(session, application, _granted(application, scope), user_id=user.id)


def _granted(application: OAuthApplication, scope: str | None) -> list[str]:
    wanted = scope_rules.parse(scope) or [scope_rules.DEFAULT]
    if scope_rules.unknown(wanted) or not scope_rules.covers(application.scopes.split(), wanted):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or more than the app's")
    return wanted


def issue(
    session: Session, application: OAuthApplication, scopes: list[str], *, user_id: int | None
) -> IssuedToken:
    plain = new_secret()
    token = OAuthToken(
        token_hash=hash_secret(plain), application_id=application.id, user_id=user_id, scopes=" ".join(scopes)
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, plain)


def revoke(session: Session, rt: Runtime, application: OAuthApplication, access_token: str) -> None:
    """RFC 7009: unknown tokens are fine (the client's goal is reached); others' are refused."""
    token = store.token_by_hash(session, hash_secret(access_token))
    if token is None or token.revoked_at is not None:
        return
    if token.application_id != application.id:
        raise OAuthError("unauthorized_client", "This token was issued to another client", status=403)
    token.revoked_at = datetime.now(UTC)
    session.add(token)
    # Its Web Push subscription ends with it (the payload would carry a dead token).
    push_store.remove_for_token(session, token.id)
    events.token_revoked(session, rt, token.id)


def authenticate(session: Session, access_token: str) -> Authenticated | None:
    """The token and its owner when the token is valid (not revoked, expired or disabled)."""
    found = store.token_with_owner(session, hash_secret(access_token))
    if found is None:
        return None
    token, application, user, account = found
    if token.revoked_at is not None or (
        token.expires_at is not None and token.expires_at <= datetime.now(UTC)
    ):
        return None
    if token.user_id is not None and (user is None or account is None or not may_sign_in(user, account)):
        return None
    return Authenticated(token, application, user, account)


def touch(session: Session, token_id: int) -> None:
    store.touch_token(session, token_id, datetime.now(UTC))


# People ---------------------------------------------------------------------------------------


def login(session: Session, passwords: Passwords, email: str, password: str) -> User | None:
    """The user with this e-mail and password (argon2 check; run off the event loop)."""
    user = account_store.user_by_email(session, email.strip())
    # An unknown address costs a hash check too, so timing does not tell which addresses exist.
    stored = user.password_hash if user is not None else passwords.decoy
    if not passwords.verify(stored, password) or user is None:
        return None
    account = account_store.get(session, user.account_id)
    if account is None or not may_sign_in(user, account):
        return None
    if passwords.needs_rehash(stored):
        # Hashes made with weaker argon2 parameters are upgraded as their owners sign in.
        user.password_hash = passwords.hash(password)
        session.add(user)
    return user


def may_sign_in(user: User, account: Account) -> bool:
    """Disabled users, sign-ups still waiting for approval and suspended accounts cannot."""
    return not user.disabled and user.approved and not account.suspended


def user(session: Session, user_id: int) -> User | None:
    found = session.get(User, user_id)
    if found is None:
        return None
    account = account_store.get(session, found.account_id)
    return found if account is not None and may_sign_in(found, account) else None


def end_web_sessions(session: Session, user_id: int) -> None:
    """Sign a user out of every browser: cookies carry the session version, which moves on."""
    found = session.get(User, user_id)
    if found is not None:
        found.session_version += 1
        session.add(found)


def username_of(session: Session, user: User) -> str:
    account = account_store.get(session, user.account_id)
    return account.username if account is not None else ""
