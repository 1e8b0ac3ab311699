"""Per-account image quotas that moderators set: an override of `daily_quota_per_account`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from fedi.errors import Unprocessable
from fedi.models.accounts import Account
from fedi.models.moderation import GenerationLimit
from fedi.services import audit

LIMIT_MAX = 100_000


def override(session: Session, account_id: int) -> int | None:
    """The moderator's daily limit for this account (0: none), or None to use the config's."""
    row = session.get(GenerationLimit, account_id)
    return row.daily_limit if row is not None else None


def set_limit(session: Session, account: Account, limit: int | None, *, by: Account | None) -> None:
    """`limit` None goes back to the config's default."""
    row = session.get(GenerationLimit, account.id)
    if limit is None:
        if row is not None:
            session.delete(row)
        audit.record(session, by, "reset_generation_limit", "Account", account.id, account.acct())
        return
    if not 0 <= limit <= LIMIT_MAX:
        raise Unprocessable(f"the daily limit is 0 (none) to {LIMIT_MAX}", field="daily_limit")
    row = row or GenerationLimit(account_id=account.id)
    row.daily_limit = limit
    row.updated_at = datetime.now(UTC)
    session.add(row)
    audit.record(session, by, "set_generation_limit", "Account", account.id, f"{account.acct()}: {limit}")
