"""Local accounts: registration, password changes, and the rules usernames, e-mails and
passwords follow."""

from __future__ import annotations

import re

from sqlmodel import Session

from activitypub.signatures.keys import generate_rsa_private_key_pem, public_key_pem_of
from fedi.errors import Forbidden, NotFound, Unprocessable
from fedi.models.accounts import Account, Role, User, acct_key
from fedi.security.passwords import Passwords
from fedi.services import invites
from fedi.store import accounts as store
from fedi.urls import Urls

# Mastodon's rule for local usernames: letters, digits and underscores, dots and dashes inside.
USERNAME = re.compile(r"^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$", re.IGNORECASE)
USERNAME_MAX = 30
PASSWORD_MIN = 8
REASON_MAX = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED = frozenset({"actor", "admin", "inbox", "root", "support", "about", "settings", "api", "oauth"})


def validate_username(username: str) -> str:
    if not username or len(username) > USERNAME_MAX or not USERNAME.match(username):
        raise Unprocessable(
            f"username must be 1-{USERNAME_MAX} letters, digits or underscores "
            "(dots and dashes allowed inside)",
            field="username",
        )
    if username.lower() in RESERVED:
        raise Unprocessable(f"username {username!r} is reserved", field="username")
    return username


def create_local_account(
    session: Session,
    urls: Urls,
    *,
    username: str,
    email: str | None = None,
    password: str | None = None,
    passwords: Passwords | None = None,
    role: Role = Role.USER,
    actor_type: str = "Person",
    display_name: str = "",
) -> Account:
    """Register a local account (with a login when email and password are given; `passwords`,
    the runtime's `rt.passwords`, hashes the password)."""
    validate_username(username)
    if store.by_acct(session, username, None) is not None:
        raise Unprocessable(f"username {username!r} is taken", field="username")
    if email is not None:
        email = email.strip().lower()
        if not EMAIL.match(email) or len(email) > 320:
            raise Unprocessable("email is not a valid e-mail address", field="email")
        if store.user_by_email(session, email) is not None:
            raise Unprocessable("email is already registered", field="email")
        if password is None or len(password) < PASSWORD_MIN:
            raise Unprocessable(f"password must be at least {PASSWORD_MIN} characters", field="password")
    private_pem = generate_rsa_private_key_pem()
    account = Account(
        username=username,
        domain=None,
        acct_key=acct_key(username, None),
        actor_type=actor_type,
        display_name=display_name,
        uri=urls.actor(username),
        url=urls.profile(username),
        inbox_url=urls.inbox(username),
        shared_inbox_url=urls.shared_inbox(),
        outbox_url=urls.outbox(username),
        followers_url=urls.followers(username),
        following_url=urls.following(username),
        featured_url=urls.featured(username),
        public_key_id=urls.key_id(username),
        public_key_pem=public_key_pem_of(private_pem),
        private_key_pem=private_pem,
    )
    session.add(account)
    session.flush()
    if email is not None and password is not None:
        session.add(
            User(
                account_id=account.id,
                email=email,
                password_hash=_hasher(passwords).hash(password),
                role=role,
            )
        )
        session.flush()
    return account


def register(
    session: Session,
    urls: Urls,
    *,
    registrations_open: bool,
    approval_required: bool = False,
    username: str,
    email: str,
    password: str,
    passwords: Passwords,
    agreement: bool,
    reason: str = "",
    invite_code: str = "",
) -> Account:
    """Sign-up from an app (Mastodon's POST /api/v1/accounts), when the instance allows it; in
    approval mode the login waits for a moderator (`reason` is what the person told them). A
    good invite code lets the sign-up in while registrations are closed, approved at once."""
    if not registrations_open and not invite_code:
        raise Forbidden("Registrations are closed on this server")
    if not agreement:
        raise Unprocessable("agreement: the server rules must be accepted", field="agreement")
    if len(reason) > REASON_MAX:
        raise Unprocessable(f"reason is longer than {REASON_MAX} characters", field="reason")
    invited = invites.redeem(session, invite_code) if invite_code else None
    account = create_local_account(
        session, urls, username=username, email=email, password=password, passwords=passwords
    )
    if approval_required and invited is None:
        user = user_of(session, account)
        user.approved = False
        user.sign_up_reason = reason.strip()
        session.add(user)
    return account


def user_of(session: Session, account: Account) -> User:
    user = store.user_for_account(session, account.id)
    if user is None:
        raise Unprocessable("This account cannot sign in")
    return user


def change_password(session: Session, passwords: Passwords, username: str, password: str) -> User:
    """Set a local user's password; every web session they had ends (the session version moves)."""
    account = store.by_acct(session, username, None)
    user = store.user_for_account(session, account.id) if account is not None else None
    if user is None:
        raise NotFound(f"no local account {username!r} that can sign in")
    if len(password) < PASSWORD_MIN:
        raise Unprocessable(f"password must be at least {PASSWORD_MIN} characters", field="password")
    user.password_hash = passwords.hash(password)
    user.session_version += 1
    session.add(user)
    return user


def _hasher(passwords: Passwords | None) -> Passwords:
    if passwords is None:
        raise ValueError("a password needs the runtime's Passwords (passwords=rt.passwords)")
    return passwords
