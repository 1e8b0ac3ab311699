"""The audit log: every moderator action is written in the transaction that takes it."""

from __future__ import annotations

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.models.moderation import AdminAction


def record(
    session: Session, by: Account | None, action: str, target_type: str, target_id: object, detail: str = ""
) -> None:
    """`by` None: the action came from the command line."""
    session.add(
        AdminAction(
            account_id=by.id if by is not None else None,
            action=action,
            target_type=target_type,
            target_id=str(target_id)[:255],
            detail=detail,
        )
    )
