"""Instance domain blocks and allows: creating, changing and lifting them, and applying them to
the accounts already stored from those domains.

A suspension marks the domain's accounts suspended (with the block's creation time, so that
lifting the block lifts exactly those suspensions) and queues a job that purges their follows
and posts; a silence marks them silenced the same way. Accounts met later get the same marks
when they are stored (`remote.upsert_actor`). Everything else (inbox, deliveries, fetches)
asks `rt.domains`, whose memory is refreshed once the change commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from fedi.db import on_commit
from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.moderation import DomainAllow, DomainBlock, Severity
from fedi.runtime import Runtime
from fedi.services import audit
from fedi.store import moderation as store

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")


@dataclass(frozen=True)
class BlockSettings:
    severity: Severity = Severity.SILENCE
    reject_media: bool = False
    reject_reports: bool = False
    private_comment: str | None = None
    public_comment: str | None = None
    obfuscate: bool = False


def normalize(rt: Runtime, text: str) -> str:
    """A domain as blocks store it: lower case, IDNA-encoded, no trailing dot; never our own."""
    name = text.strip().lower().rstrip(".")
    try:
        name = name.encode("idna").decode("ascii") if name else name
    except UnicodeError:
        raise Unprocessable("domain is not a domain name", field="domain") from None
    if len(name) > 255 or not _NAME.match(name):
        raise Unprocessable("domain is not a domain name", field="domain")
    if name == rt.settings.instance.domain:
        raise Unprocessable("domain is this server's own", field="domain")
    return name


def create_block(
    session: Session, rt: Runtime, domain: str, settings: BlockSettings, *, by: Account | None
) -> DomainBlock:
    name = normalize(rt, domain)
    if store.domain_block_by_domain(session, name) is not None:
        raise Unprocessable(f"{name} is already blocked; change that block instead", field="domain")
    block = DomainBlock(domain=name, **vars(settings))
    session.add(block)
    session.flush()
    _apply(session, rt, block)
    audit.record(session, by, "create_domain_block", "DomainBlock", name, block.severity)
    _changed(session, rt)
    return block


def update_block(
    session: Session, rt: Runtime, block_id: int, settings: BlockSettings, *, by: Account | None
) -> DomainBlock:
    block = get_block(session, block_id)
    _lift(session, block)
    for key, value in vars(settings).items():
        setattr(block, key, value)
    block.updated_at = datetime.now(UTC)
    session.add(block)
    _apply(session, rt, block)
    audit.record(session, by, "update_domain_block", "DomainBlock", block.domain, block.severity)
    _changed(session, rt)
    return block


def delete_block(session: Session, rt: Runtime, block_id: int, *, by: Account | None) -> DomainBlock:
    block = get_block(session, block_id)
    _lift(session, block)
    session.delete(block)
    audit.record(session, by, "destroy_domain_block", "DomainBlock", block.domain)
    _changed(session, rt)
    return block


def public_list(session: Session) -> list[DomainBlock]:
    """The blocks the public list shows: silences and suspensions."""
    return [b for b in store.domain_blocks(session) if b.severity != Severity.NOOP]


def get_block(session: Session, block_id: int) -> DomainBlock:
    block = session.get(DomainBlock, block_id)
    if block is None:
        raise NotFound("Record not found")
    return block


def block_by_domain(session: Session, rt: Runtime, domain: str) -> DomainBlock:
    block = store.domain_block_by_domain(session, normalize(rt, domain))
    if block is None:
        raise NotFound(f"{domain} is not blocked")
    return block


def create_allow(session: Session, rt: Runtime, domain: str, *, by: Account | None) -> DomainAllow:
    name = normalize(rt, domain)
    existing = store.domain_allow_by_domain(session, name)
    if existing is not None:
        return existing
    allow = DomainAllow(domain=name)
    session.add(allow)
    session.flush()
    audit.record(session, by, "create_domain_allow", "DomainAllow", name)
    _changed(session, rt)
    return allow


def allow_by_domain(session: Session, rt: Runtime, domain: str) -> DomainAllow:
    allow = store.domain_allow_by_domain(session, normalize(rt, domain))
    if allow is None:
        raise NotFound(f"{domain} is not on the allow list")
    return allow


def get_allow(session: Session, allow_id: int) -> DomainAllow:
    allow = session.get(DomainAllow, allow_id)
    if allow is None:
        raise NotFound("Record not found")
    return allow


def delete_allow(session: Session, rt: Runtime, allow_id: int, *, by: Account | None) -> DomainAllow:
    allow = get_allow(session, allow_id)
    session.delete(allow)
    audit.record(session, by, "destroy_domain_allow", "DomainAllow", allow.domain)
    _changed(session, rt)
    return allow


def _apply(session: Session, rt: Runtime, block: DomainBlock) -> None:
    accounts = store.accounts_of_domain(session, block.domain)
    if block.severity == Severity.SUSPEND:
        for account in accounts:
            if not account.suspended:
                account.suspended = True
                account.suspended_at = block.created_at
                session.add(account)
        rt.jobs.after_commit(session, "purge_domain", block.domain)
    elif block.severity == Severity.SILENCE:
        for account in accounts:
            if account.silenced_at is None:
                account.silenced_at = block.created_at
                session.add(account)


def _lift(session: Session, block: DomainBlock) -> None:
    """Undo what this block did to accounts (their posts, once purged, stay gone)."""
    for account in store.accounts_of_domain(session, block.domain):
        if account.suspended and account.suspended_at == block.created_at and account.deleted_at is None:
            account.suspended = False
            account.suspended_at = None
            session.add(account)
        if account.silenced_at == block.created_at:
            account.silenced_at = None
            session.add(account)


def _changed(session: Session, rt: Runtime) -> None:
    on_commit(session, rt.domains.reload)
