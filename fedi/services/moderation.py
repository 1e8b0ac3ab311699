"""Account moderation: warn, mark sensitive, silence (limit), disable, suspend and undo each,
approve or reject sign-ups, delete, moderation notes. Every action is written to the audit log
(`audit.record`) in the transaction that takes it, with a warning row telling the account.

A local suspension sends a `Delete` of the actor to every inbox this server knows, so other
servers drop the account and its posts; here its posts are only hidden, and the suspension can
be undone for 30 days (`UNSUSPEND_DAYS`), after which a job removes what it left.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from activitypub import builders
from activitypub.audience import Recipient, delivery_inboxes
from activitypub.vocab import PUBLIC
from fedi.db import on_commit
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account, Role, User
from fedi.models.federation import Report
from fedi.models.moderation import AccountWarning, ModerationNote
from fedi.runtime import Runtime
from fedi.services import audit, oauth, purge
from fedi.services.federation import outbox
from fedi.store import accounts as account_store
from fedi.store import moderation as store

UNSUSPEND_DAYS = 30
NOTE_MAX = 2000


class Action(StrEnum):
    """Mastodon's `POST /api/v1/admin/accounts/:id/action` types."""

    NONE = "none"  # a warning only
    SENSITIVE = "sensitive"
    DISABLE = "disable"
    SILENCE = "silence"
    SUSPEND = "suspend"


def get_account(session: Session, account_id: int) -> Account:
    account = account_store.get(session, account_id)
    if account is None:
        raise NotFound("Record not found")
    return account


def _user(session: Session, account: Account) -> User:
    user = account_store.user_for_account(session, account.id)
    if user is None:
        raise Unprocessable("This is not a local account that signs in")
    return user


def act(
    session: Session,
    rt: Runtime,
    account_id: int,
    action: Action,
    *,
    by: Account | None,
    text: str = "",
    report_id: int | None = None,
) -> Account:
    """Take `action` on an account (and resolve the report it answers, if any)."""
    account = get_account(session, account_id)
    if by is not None and account.id == by.id:
        raise Unprocessable("Moderators cannot act on their own account")
    if account.uri == rt.urls.instance_actor():
        raise Unprocessable("The instance actor cannot be moderated")
    report = _report(session, report_id, account) if report_id is not None else None
    now = datetime.now(UTC)
    if action == Action.SENSITIVE:
        account.sensitized = True
    elif action == Action.DISABLE:
        user = _user(session, account)
        user.disabled = True
        session.add(user)
        oauth.end_web_sessions(session, user.id)
    elif action == Action.SILENCE:
        account.silenced_at = account.silenced_at or now
    elif action == Action.SUSPEND and not account.suspended:
        account.suspended = True
        account.suspended_at = now
        if account.local:
            _federate_deletion(session, rt, account)
        else:
            # The inbox remembers signers for minutes: this one must be refused now.
            key_id = account.public_key_id
            on_commit(session, lambda: rt.key_cache.forget(key_id))
    session.add(account)
    session.add(
        AccountWarning(
            account_id=by.id if by else None,
            target_account_id=account.id,
            action=action,
            text=text[:5000],
            report_id=report.id if report else None,
        )
    )
    if report is not None:
        report.action_taken_at = now
        report.action_taken_by_account_id = by.id if by else None
        report.updated_at = now
        session.add(report)
    audit.record(
        session, by, action if action != Action.NONE else "warn", "Account", account.id, account.acct()
    )
    return account


def _report(session: Session, report_id: int, account: Account) -> Report:
    report = session.get(Report, report_id)
    if report is None or report.target_account_id != account.id:
        raise Unprocessable("report_id is not a report about this account", field="report_id")
    return report


def undo(session: Session, rt: Runtime, account_id: int, action: Action, *, by: Account | None) -> Account:
    """unsensitive, enable, unsilence, unsuspend (the last within 30 days of the suspension)."""
    account = get_account(session, account_id)
    if action == Action.SENSITIVE:
        account.sensitized = False
    elif action == Action.DISABLE:
        user = _user(session, account)
        user.disabled = False
        session.add(user)
    elif action == Action.SILENCE:
        account.silenced_at = None
    elif action == Action.SUSPEND:
        _unsuspend(session, rt, account)
    else:
        raise Unprocessable(f"{action} cannot be undone")
    session.add(account)
    audit.record(session, by, f"un{action}" if action != Action.DISABLE else "enable", "Account", account.id)
    return account


def _unsuspend(session: Session, rt: Runtime, account: Account) -> None:
    if not account.suspended:
        return
    if account.deleted_at is not None:
        raise Unprocessable("This account was deleted; its suspension cannot be undone")
    limit = datetime.now(UTC) - timedelta(days=UNSUSPEND_DAYS)
    if account.suspended_at is not None and account.suspended_at < limit:
        raise Unprocessable(f"The suspension is older than {UNSUSPEND_DAYS} days; the data is gone")
    if account.domain is not None and rt.domains.suspended(account.domain):
        raise Unprocessable("The account's server is suspended; lift that domain block instead")
    account.suspended = False
    account.suspended_at = None
    if account.local:
        # Other servers dropped the actor on its Delete: an Update lets them find it again.
        outbox.profile_updated(session, rt, account)


def _federate_deletion(session: Session, rt: Runtime, account: Account) -> None:
    recipients = [
        Recipient(actor_id=uri, inbox=inbox, shared_inbox=shared)
        for inbox, shared, uri in store.known_inboxes(session)
    ]
    activity = builders.delete(
        id=f"{account.uri}#delete/{new_id()}",
        actor=account.uri,
        object_id=account.uri,
        to=[PUBLIC],
    )
    outbox.send(session, rt, account, activity, delivery_inboxes(recipients))


def delete_local(session: Session, rt: Runtime, account_id: int, *, by: Account | None) -> Account:
    """Delete a local account for good: other servers are told, its posts and follows go, its
    username stays taken (as Mastodon keeps it), and it can no longer sign in."""
    account = get_account(session, account_id)
    if not account.local:
        raise Unprocessable("Only local accounts can be deleted; suspend a remote one")
    if not account.suspended:
        _federate_deletion(session, rt, account)
    account.suspended = True
    account.suspended_at = account.suspended_at or datetime.now(UTC)
    account.deleted_at = datetime.now(UTC)
    session.add(account)
    user = account_store.user_for_account(session, account.id)
    if user is not None:
        user.disabled = True
        session.add(user)
        oauth.end_web_sessions(session, user.id)
    purge.remove_everything(session, rt, account)
    audit.record(session, by, "delete", "Account", account.id, account.acct())
    return account


def delete_own(session: Session, rt: Runtime, user_id: int, password: str) -> Account:
    """A user deletes their own account, once they give their password again (the owner must
    hand the role on first: an instance needs one)."""
    user = oauth.user(session, user_id)
    if user is None or not rt.passwords.verify(user.password_hash, password):
        raise Unprocessable("That password is not right", field="password")
    if user.role == Role.OWNER:
        raise Unprocessable("The owner cannot delete their account; make someone else the owner first")
    account = get_account(session, user.account_id)
    return delete_local(session, rt, account.id, by=account)


def approve(session: Session, account_id: int, *, by: Account | None) -> Account:
    account = get_account(session, account_id)
    user = _user(session, account)
    if user.approved:
        raise Unprocessable("This account is not waiting for approval")
    user.approved = True
    session.add(user)
    audit.record(session, by, "approve", "Account", account.id, account.acct())
    return account


def reject(session: Session, account_id: int, *, by: Account | None) -> Account:
    """Refuse a pending sign-up: the account and its login are removed."""
    account = get_account(session, account_id)
    user = _user(session, account)
    if user.approved:
        raise Unprocessable("This account is not waiting for approval")
    session.delete(user)
    session.flush()
    session.delete(account)
    audit.record(session, by, "reject", "Account", account.id, account.acct())
    return account


def set_role(session: Session, account_id: int, role: Role, *, by: Account | None) -> User:
    account = get_account(session, account_id)
    user = _user(session, account)
    user.role = role
    session.add(user)
    audit.record(session, by, "change_role", "User", account.id, f"{account.acct()}: {role}")
    return user


def add_note(session: Session, account_id: int, content: str, *, by: Account | None) -> ModerationNote:
    account = get_account(session, account_id)
    text = content.strip()
    if not text or len(text) > NOTE_MAX:
        raise Unprocessable(f"a note is 1 to {NOTE_MAX} characters", field="content")
    note = ModerationNote(account_id=by.id if by else None, target_account_id=account.id, content=text)
    session.add(note)
    audit.record(session, by, "create_note", "Account", account.id)
    return note


def purge_expired_suspensions(rt: Runtime, *, limit: int = 20) -> int:
    """Remove what accounts suspended longer than 30 days ago left (their rows stay, deleted)."""
    moment = datetime.now(UTC) - timedelta(days=UNSUSPEND_DAYS)
    with rt.db.reader() as session:
        ids = [a.id for a in store.suspended_before(session, moment, limit=limit)]
    for account_id in ids:
        with rt.db.session() as session:
            account = session.get(Account, account_id)
            if account is None or not account.suspended or account.deleted_at is not None:
                continue
            purge.remove_everything(session, rt, account)
            account.deleted_at = datetime.now(UTC)
            session.add(account)
    return len(ids)
