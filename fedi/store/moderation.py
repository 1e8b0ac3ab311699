"""Queries for moderation: staff, reports, domain blocks and allows, warnings, notes, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from fedi.models.accounts import Account, Role, User
from fedi.models.federation import Report
from fedi.models.moderation import (
    AccountWarning,
    AdminAction,
    BotDomainSwitch,
    DomainAllow,
    DomainBlock,
    Invite,
    ModerationNote,
    PromptDenyTerm,
    ServerRule,
)
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.store.paging import Page, fetch_page

STAFF = (Role.MODERATOR, Role.ADMIN, Role.OWNER)


def staff_account_ids(session: Session) -> list[int]:
    """Local accounts whose users hold a moderator role or above (and may sign in)."""
    stmt = select(User.account_id).where(
        col(User.role).in_(STAFF), col(User.disabled).is_(False), col(User.approved).is_(True)
    )
    return list(session.exec(stmt).all())


def statuses_by_uris(session: Session, uris: Iterable[str]) -> list[Status]:
    wanted = list(dict.fromkeys(uris))
    if not wanted:
        return []
    found = {s.uri: s for s in session.exec(select(Status).where(col(Status.uri).in_(wanted))).all()}
    return [found[uri] for uri in wanted if uri in found]


# Reports ------------------------------------------------------------------------------------


def reports(
    session: Session,
    paging: Page,
    *,
    resolved: bool = False,
    account_id: int | None = None,
    target_account_id: int | None = None,
) -> list[Report]:
    stmt = select(Report).where(
        col(Report.action_taken_at).is_not(None) if resolved else col(Report.action_taken_at).is_(None)
    )
    if account_id is not None:
        stmt = stmt.where(Report.reporter_account_id == account_id)
    if target_account_id is not None:
        stmt = stmt.where(Report.target_account_id == target_account_id)
    return fetch_page(session, stmt, Report.id, paging)


def report_by_uri(session: Session, uri: str) -> Report | None:
    return session.exec(select(Report).where(Report.uri == uri)).first()


# Domains ------------------------------------------------------------------------------------


def domain_blocks(session: Session) -> list[DomainBlock]:
    return list(session.exec(select(DomainBlock).order_by(col(DomainBlock.domain))).all())


def domain_block_by_domain(session: Session, domain: str) -> DomainBlock | None:
    return session.exec(select(DomainBlock).where(DomainBlock.domain == domain)).first()


def domain_allows(session: Session) -> list[DomainAllow]:
    return list(session.exec(select(DomainAllow).order_by(col(DomainAllow.domain))).all())


def domain_allow_by_domain(session: Session, domain: str) -> DomainAllow | None:
    return session.exec(select(DomainAllow).where(DomainAllow.domain == domain)).first()


def accounts_of_domain(session: Session, domain: str) -> list[Account]:
    """Remote accounts on `domain` or any name under it."""
    stmt = select(Account).where(
        (col(Account.domain) == domain) | col(Account.domain).like(f"%.{_escape_like(domain)}", escape="\\")
    )
    return list(session.exec(stmt).all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Accounts -----------------------------------------------------------------------------------


def warnings_of(session: Session, account_id: int) -> list[AccountWarning]:
    stmt = select(AccountWarning).where(AccountWarning.target_account_id == account_id)
    return list(session.exec(stmt.order_by(col(AccountWarning.id).desc())).all())


def notes_of(session: Session, account_id: int) -> list[ModerationNote]:
    stmt = select(ModerationNote).where(ModerationNote.target_account_id == account_id)
    return list(session.exec(stmt.order_by(col(ModerationNote.id).desc())).all())


def audit_log(session: Session, paging: Page) -> list[AdminAction]:
    return fetch_page(session, select(AdminAction), AdminAction.id, paging)


def known_inboxes(session: Session) -> list[tuple[str, str | None, str]]:
    """(inbox, shared inbox, actor uri) of every remote account still there: where an account's
    deletion goes."""
    stmt = select(Account.inbox_url, Account.shared_inbox_url, Account.uri).where(
        col(Account.domain).is_not(None),
        col(Account.deleted_at).is_(None),
        col(Account.suspended).is_(False),
        col(Account.inbox_url) != "",
    )
    return [(inbox, shared, uri) for inbox, shared, uri in session.exec(stmt).all()]


def accounts_page(
    session: Session,
    paging: Page,
    *,
    local: bool | None = None,
    status: str | None = None,
    username: str | None = None,
    domain: str | None = None,
    staff: bool = False,
) -> list[Account]:
    """Accounts for the admin list; `status` is Mastodon's v1 filter (active, pending,
    disabled, silenced, suspended)."""
    stmt = select(Account)
    if local is True:
        stmt = stmt.where(col(Account.domain).is_(None))
    elif local is False:
        stmt = stmt.where(col(Account.domain).is_not(None))
    if username:
        stmt = stmt.where(col(Account.username).ilike(f"%{_escape_like(username)}%", escape="\\"))
    if domain:
        stmt = stmt.where(col(Account.domain) == domain.lower())
    if status == "suspended":
        stmt = stmt.where(col(Account.suspended).is_(True))
    elif status == "silenced":
        stmt = stmt.where(col(Account.silenced_at).is_not(None))
    elif status in ("pending", "disabled"):
        column = col(User.approved).is_(False) if status == "pending" else col(User.disabled).is_(True)
        stmt = stmt.join(User, col(User.account_id) == col(Account.id)).where(column)
    elif status == "active":
        stmt = stmt.where(col(Account.suspended).is_(False))
    if staff:
        stmt = stmt.where(col(Account.id).in_(select(User.account_id).where(col(User.role).in_(STAFF))))
    return fetch_page(session, stmt, Account.id, paging)


def suspended_before(session: Session, moment: datetime, *, limit: int) -> list[Account]:
    """Suspended accounts whose 30 days are over and whose data is still here."""
    stmt = select(Account).where(
        col(Account.suspended).is_(True),
        col(Account.suspended_at) < moment,
        col(Account.deleted_at).is_(None),
    )
    return list(session.exec(stmt.limit(limit)).all())


def users_of(session: Session, account_ids: Iterable[int]) -> dict[int, User]:
    """The logins of these accounts (local ones that sign in), by account id."""
    wanted = set(account_ids)
    if not wanted:
        return {}
    return {u.account_id: u for u in session.exec(select(User).where(col(User.account_id).in_(wanted))).all()}


@dataclass(frozen=True)
class Rule:
    """A rule as clients see it (from the table, or from the config's list)."""

    id: int
    text: str
    hint: str = ""


def server_rules(session: Session) -> list[ServerRule]:
    """Every rule row, removed ones included, in the order they are shown."""
    stmt = select(ServerRule).order_by(col(ServerRule.position), col(ServerRule.id))
    return list(session.exec(stmt).all())


def prompt_terms(session: Session) -> list[PromptDenyTerm]:
    return list(session.exec(select(PromptDenyTerm).order_by(col(PromptDenyTerm.term))).all())


def prompt_term(session: Session, term: str) -> PromptDenyTerm | None:
    return session.exec(select(PromptDenyTerm).where(PromptDenyTerm.term == term)).first()


def count_prompt_hit(session: Session, term: str) -> bool:
    """One more hit on a stored term; False when the term has no row yet."""
    stmt = update(PromptDenyTerm).where(col(PromptDenyTerm.term) == term).values(hits=PromptDenyTerm.hits + 1)
    return bool(session.exec(stmt).rowcount)


def bot_switches(session: Session) -> list[BotDomainSwitch]:
    return list(session.exec(select(BotDomainSwitch).order_by(col(BotDomainSwitch.domain))).all())


def bot_switch_for(session: Session, domain: str) -> BotDomainSwitch | None:
    """The most specific switch naming `domain` or a name above it."""
    parts = domain.split(".")
    names = [".".join(parts[i:]) for i in range(len(parts))]
    found = {
        s.domain: s
        for s in session.exec(select(BotDomainSwitch).where(col(BotDomainSwitch.domain).in_(names)))
    }
    return next((found[n] for n in names if n in found), None)


def followed_from(session: Session, account_id: int, domain: str) -> bool:
    """Whether an account on `domain` follows this account (accepted)."""
    stmt = (
        select(Follow.id)
        .join(Account, col(Account.id) == col(Follow.account_id))
        .where(
            Follow.target_account_id == account_id, col(Follow.accepted).is_(True), Account.domain == domain
        )
    )
    return session.exec(stmt.limit(1)).first() is not None


def invites(session: Session, limit: int) -> list[Invite]:
    return list(session.exec(select(Invite).order_by(col(Invite.id).desc()).limit(limit)).all())


def invite_by_code(session: Session, code: str) -> Invite | None:
    return session.exec(select(Invite).where(Invite.code == code)).first() if code else None
