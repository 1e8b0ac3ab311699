"""Moderation state: instance domain blocks and allows, warnings, notes, the audit log and the
server rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now, time_or_none


class Severity(StrEnum):
    """Mastodon's domain block severities."""

    NOOP = "noop"  # only the reject_media / reject_reports flags apply
    SILENCE = "silence"
    SUSPEND = "suspend"


class DomainBlock(SQLModel, table=True):
    """A remote domain (and every name under it) this instance limits or refuses."""

    __tablename__ = "domain_blocks"

    id: int = id_field()
    domain: str = Field(max_length=255, unique=True)
    severity: str = Field(default=Severity.SILENCE, max_length=16)
    reject_media: bool = False
    reject_reports: bool = False
    private_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    public_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Listed publicly with part of the name hidden.
    obfuscate: bool = False
    created_at: datetime = time_now()
    updated_at: datetime = time_now()


class DomainAllow(SQLModel, table=True):
    """A domain allowed to federate while the allowlist mode is on."""

    __tablename__ = "domain_allows"

    id: int = id_field()
    domain: str = Field(max_length=255, unique=True)
    created_at: datetime = time_now()


class AccountWarning(SQLModel, table=True):
    """A moderation action told to an account (Mastodon's strikes): a warning, or the notice
    that came with a harsher action."""

    __tablename__ = "account_warnings"

    id: int = id_field()
    account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    target_account_id: int = bigint_fk("accounts.id")
    action: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    report_id: int | None = bigint_fk("reports.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = time_now()


class ModerationNote(SQLModel, table=True):
    """A note moderators keep about an account, never shown to it."""

    __tablename__ = "moderation_notes"

    id: int = id_field()
    account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    target_account_id: int = bigint_fk("accounts.id")
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = time_now()


class AdminAction(SQLModel, table=True):
    """The audit log: one row per moderator action (account None: from the command line)."""

    __tablename__ = "admin_actions"

    id: int = id_field()
    account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    action: str = Field(max_length=32)
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=255)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = time_now(index=True)


class ServerRule(SQLModel, table=True):
    """A server rule, once rules are edited here (until then, `instance.rules` from the config).

    Removed rules stay, marked, so the reports that named them still show their text.
    """

    __tablename__ = "server_rules"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    hint: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    position: int = 0
    created_at: datetime = time_now()
    updated_at: datetime = time_now()
    deleted_at: datetime | None = time_or_none()


class PromptDenyTerm(SQLModel, table=True):
    """A prompt deny-list term added by a moderator (`added`), or a term of the config's
    `generation.deny` list kept here only to count its hits."""

    __tablename__ = "prompt_deny_terms"

    id: int = id_field()
    term: str = Field(max_length=200, unique=True)
    added: bool = False
    hits: int = 0
    created_at: datetime = time_now()


class GenerationLimit(SQLModel, table=True):
    """A moderator's override of one account's daily image quota (0: no limit)."""

    __tablename__ = "generation_limits"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    daily_limit: int = 0
    updated_at: datetime = time_now()


class BotReach(StrEnum):
    """Whom the image bot answers: for every server (the row with domain ""), or for one."""

    EVERYONE = "everyone"
    FOLLOWERS = "followers"  # only servers where someone follows the bot
    LOCAL = "local"  # only this server's accounts (the default row only)
    OFF = "off"


class BotDomainSwitch(SQLModel, table=True):
    """The image bot's switch for a domain and every name under it; domain "" is the default."""

    __tablename__ = "bot_domain_switches"

    domain: str = Field(max_length=255, primary_key=True)
    reach: str = Field(default=BotReach.EVERYONE, max_length=16)
    updated_at: datetime = time_now()


class Invite(SQLModel, table=True):
    """A code that lets someone sign up while registrations are closed or need approval."""

    __tablename__ = "invites"

    id: int = id_field()
    code: str = Field(max_length=32, unique=True)
    account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    max_uses: int | None = None
    uses: int = 0
    expires_at: datetime | None = time_or_none()
    revoked: bool = False
    created_at: datetime = time_now()
