"""Invites: codes moderators make so that someone can sign up while registrations are closed
or need approval (Mastodon's `invite_code`). A code can be limited in uses and in time, and
revoked; a sign-up with a good code is approved at once."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.moderation import Invite
from fedi.services import audit
from fedi.store import moderation as store

# What the page offers (Mastodon's choices).
MAX_USES = (None, 1, 5, 10, 25, 50, 100)
EXPIRES_IN = {
    "never": None,
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "12h": timedelta(hours=12),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}


def create(session: Session, by: Account | None, *, max_uses: int | None, expires_in: str) -> Invite:
    if max_uses not in MAX_USES:
        raise Unprocessable("Choose one of the limits offered", field="max_uses")
    if expires_in not in EXPIRES_IN:
        raise Unprocessable("Choose one of the expiries offered", field="expires_in")
    lifetime = EXPIRES_IN[expires_in]
    invite = Invite(
        code=secrets.token_urlsafe(12),
        account_id=by.id if by is not None else None,
        max_uses=max_uses,
        expires_at=datetime.now(UTC) + lifetime if lifetime is not None else None,
    )
    session.add(invite)
    audit.record(session, by, "create_invite", "Invite", invite.id)
    return invite


def usable(invite: Invite, now: datetime | None = None) -> bool:
    moment = now or datetime.now(UTC)
    return (
        not invite.revoked
        and (invite.expires_at is None or invite.expires_at > moment)
        and (invite.max_uses is None or invite.uses < invite.max_uses)
    )


def redeem(session: Session, code: str) -> Invite:
    """Count one use of a code, or Unprocessable when it cannot be used."""
    invite = store.invite_by_code(session, code.strip())
    if invite is None or not usable(invite):
        raise Unprocessable("invite_code is not valid, or can no longer be used", field="invite_code")
    invite.uses += 1
    session.add(invite)
    return invite


def revoke(session: Session, invite_id: int, *, by: Account | None) -> Invite:
    invite = session.get(Invite, invite_id)
    if invite is None:
        raise NotFound("No such invite")
    invite.revoked = True
    session.add(invite)
    audit.record(session, by, "revoke_invite", "Invite", invite.id)
    return invite
