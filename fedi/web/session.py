"""The signed session cookie of the web pages: who is signed in, and the CSRF token.

The signing secret is made once, at random, into `data_dir/secret_key` (mode 0600) and reused
by every process of the instance. Every form that changes something carries `csrf_token`, and
`check_csrf` refuses a POST without the session's token.

The cookie also carries the user's session version. Signing out and changing the password move
the version on in the database, so every cookie issued before (a copied one included) stops
working at once instead of living out its 14 days.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlmodel import Session
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request

from fedi.api.context import read, run_sync, runtime_of
from fedi.config import Settings
from fedi.errors import Forbidden
from fedi.models.accounts import Account, User
from fedi.runtime import Runtime
from fedi.services import directory, oauth

SECRET_FILE = "secret_key"
COOKIE = "fedi_session"
MAX_AGE = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"
VERSION = "session_version"
STAFF = "staff"


def secret_key(data_dir: Path) -> str:
    """The instance's session secret: created once, readable by its owner only."""
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RuntimeError(
                f"{path} is readable by others: chmod 600 it (it signs sign-in cookies)"
            ) from None
        secret = path.read_text().strip()
        if len(secret) < 32:
            raise RuntimeError(f"{path} is too short to be a secret: delete it and restart") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def middleware(settings: Settings) -> Middleware:
    return Middleware(
        SessionMiddleware,
        secret_key=secret_key(settings.data_dir),
        session_cookie=COOKIE,
        max_age=MAX_AGE,
        same_site="lax",
        https_only=settings.https,
    )


def current_user_id(request: HTTPConnection) -> int | None:
    value = request.session.get("user_id")
    return value if isinstance(value, int) else None


def _session_user(session: Session, user_id: int, version: object) -> User | None:
    user = oauth.user(session, user_id)
    return user if user is not None and user.session_version == version else None


async def current_user(request: HTTPConnection) -> User | None:
    """The signed-in user (None when nobody is, the user was disabled, or signed out since)."""
    user_id = current_user_id(request)
    if user_id is None:
        return None
    version = request.session.get(VERSION)
    user = await read(request, lambda session: _session_user(session, user_id, version))
    if user is None:
        request.session.clear()  # a dead cookie is dropped, so pages show signed out
    return user


async def current_account(request: HTTPConnection) -> Account | None:
    """The signed-in person's account: whose eyes the public pages are rendered for."""
    user_id = current_user_id(request)
    if user_id is None:
        return None

    version = request.session.get(VERSION)

    def load(session: Session) -> Account | None:
        user = _session_user(session, user_id, version)
        return directory.account(session, user.account_id) if user is not None else None

    account = await read(request, load)
    if account is None:
        request.session.clear()
    return account


def log_in(request: HTTPConnection, user_id: int, session_version: int, *, staff: bool = False) -> None:
    # A fresh session (and CSRF token) at sign-in: a session planted before it is worthless.
    request.session.clear()
    request.session["user_id"] = user_id
    request.session[VERSION] = session_version
    # Only shows the admin link; the admin pages check the role in the database each time.
    request.session[STAFF] = staff


def staff_link(request: HTTPConnection) -> bool:
    return request.session.get(STAFF) is True


def forget(request: HTTPConnection) -> None:
    """Drop this browser's session only (OAuth's force_login: a GET, so it ends nothing else)."""
    request.session.clear()


async def log_out(request: HTTPConnection) -> None:
    """End this session, and every other of the same user (the version moves on)."""
    user_id = current_user_id(request)
    request.session.clear()
    if user_id is not None:
        rt = runtime_of(request)
        await run_sync(_end_sessions, rt, user_id)


def _end_sessions(rt: Runtime, user_id: int) -> None:
    with rt.db.session() as session:
        oauth.end_web_sessions(session, user_id)


def csrf_token(request: HTTPConnection) -> str:
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_same_site(request: HTTPConnection, base_url: str) -> None:
    """Before a form's body is read: refuse a POST a browser says came from another site.

    Browsers name where a form was submitted from (`Sec-Fetch-Site`, `Origin`), so a forged
    upload is refused without reading (or spooling to disk) its body. Clients that send neither
    header are judged by the CSRF token in the form, once it is read.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        # Current browsers always send it; Origin is then "null" under our no-referrer policy.
        if site not in ("same-origin", "none"):
            raise Forbidden("The form did not come from this site: reload the page and try again")
        return
    origin = request.headers.get("origin")
    if origin not in (None, "null") and origin.rstrip("/") != base_url:
        raise Forbidden("The form did not come from this site: reload the page and try again")


def check_csrf(request: HTTPConnection, form: Mapping[str, Any]) -> None:
    expected = request.session.get(CSRF_FIELD)
    sent = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise Forbidden("The form expired or did not come from this site: reload the page and try again")


async def checked_form(request: Request, *, max_fields: int = 20) -> dict[str, str]:
    """A posted form's text fields, once its CSRF token checks out (Forbidden otherwise)."""
    async with request.form(max_files=0, max_fields=max_fields) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(request, fields)
    return fields
