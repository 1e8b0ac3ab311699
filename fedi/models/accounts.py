"""Accounts (local and remote actors) and the local users who log in as them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_list, time_now, time_or_none

BOT_ACTOR_TYPES = frozenset({"Service", "Application"})


class Account(SQLModel, table=True):
    """An actor: local when `domain` is None, otherwise a cached copy of a remote one."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("acct_key", name="uq_accounts_acct_key"),)

    id: int = id_field()
    username: str = Field(max_length=255)
    domain: str | None = Field(default=None, max_length=255, index=True)
    # lower(username)@lower(domain) ("" for local): case-insensitive uniqueness everywhere.
    acct_key: str = Field(max_length=512)
    actor_type: str = Field(default="Person", max_length=32)
    display_name: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    note_source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    uri: str = Field(max_length=2048, unique=True)
    url: str | None = Field(default=None, max_length=2048)
    inbox_url: str = Field(default="", max_length=2048)
    shared_inbox_url: str | None = Field(default=None, max_length=2048)
    outbox_url: str | None = Field(default=None, max_length=2048)
    followers_url: str | None = Field(default=None, max_length=2048, index=True)
    following_url: str | None = Field(default=None, max_length=2048)
    featured_url: str | None = Field(default=None, max_length=2048)
    # A remote actor's `endorsements` collection (fedi's extension; local accounts use urls.endorsements).
    endorsements_url: str | None = Field(default=None, max_length=2048)
    public_key_id: str = Field(default="", max_length=2048, index=True)
    public_key_pem: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # FEP-521a Ed25519 keys of a remote actor: [{"id": key id, "pem": SubjectPublicKeyInfo PEM}].
    assertion_keys: list[dict[str, str]] = json_list()
    # Only local accounts hold a private key; it never leaves the server.
    private_key_pem: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    avatar_file: str | None = Field(default=None, max_length=512)
    avatar_remote_url: str | None = Field(default=None, max_length=2048)
    header_file: str | None = Field(default=None, max_length=512)
    header_remote_url: str | None = Field(default=None, max_length=2048)
    fields: list[dict[str, Any]] = json_list()
    # The custom emoji its display name and note show, as of the last change:
    # [{"shortcode", "url", "uri", "media_type", "updated"}] (fedi.services.emojis).
    emojis: list[dict[str, Any]] = json_list()
    locked: bool = False
    discoverable: bool = True
    indexable: bool = True
    also_known_as: list[str] = json_list()
    moved_to_uri: str | None = Field(default=None, max_length=2048)
    memorial: bool = False
    # The licence a local account puts on the images it generates (fedi.licences.ImageLicence).
    image_licence: str = Field(default="all-rights-reserved", max_length=32)
    suspended: bool = False
    # When the suspension began: unsuspending is possible for 30 days, then the data is purged.
    # A suspension by a domain block carries the block's creation time (undone with the block).
    suspended_at: datetime | None = time_or_none()
    # Limited (silenced): hidden from public timelines. A silence by a domain block carries the
    # block's creation time, like a suspension.
    silenced_at: datetime | None = time_or_none()
    # Every post's media is marked sensitive.
    sensitized: bool = False
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: datetime | None = time_or_none()
    created_at: datetime = time_now()
    updated_at: datetime = time_now()
    fetched_at: datetime | None = time_or_none()
    # Remote actors that answered 410 or sent Delete: kept for references, never delivered to.
    deleted_at: datetime | None = time_or_none()

    @property
    def local(self) -> bool:
        return self.domain is None

    @property
    def silenced(self) -> bool:
        return self.silenced_at is not None

    @property
    def bot(self) -> bool:
        return self.actor_type in BOT_ACTOR_TYPES

    def acct(self) -> str:
        """`name` for local accounts, `name@domain` for remote ones (Mastodon's `acct`)."""
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


def acct_key(username: str, domain: str | None) -> str:
    return f"{username.lower()}@{(domain or '').lower()}"


class Role(StrEnum):
    """Who may do what: each role may do everything the ones before it may."""

    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"
    OWNER = "owner"

    def at_least(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


class User(SQLModel, table=True):
    """A person who logs in; owns exactly one local account."""

    __tablename__ = "users"

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.USER, max_length=16)
    # False while a sign-up in approval mode waits for a moderator; such a user cannot log in.
    approved: bool = True
    sign_up_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    locale: str = Field(default="en", max_length=16)
    default_visibility: str = Field(default="public", max_length=16)
    default_sensitive: bool = False
    default_language: str | None = Field(default=None, max_length=16)
    created_at: datetime = time_now()
    disabled: bool = False
    # Signed into every web session; signing out or changing the password bumps it, so every
    # cookie issued before stops working at once (the cookie itself lives for 14 days).
    session_version: int = 0

    @property
    def admin(self) -> bool:
        return Role(self.role).at_least(Role.ADMIN)

    @property
    def moderator(self) -> bool:
        return Role(self.role).at_least(Role.MODERATOR)
