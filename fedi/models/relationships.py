"""Follows, blocks and mutes between accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now


class Follow(SQLModel, table=True):
    """`account_id` follows `target_account_id`; pending until the target accepts."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id", name="uq_follows_account_target"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_account_id: int = bigint_fk("accounts.id")
    # The Follow activity's id: echoed in Accept/Reject/Undo.
    uri: str = Field(max_length=2048, index=True)
    accepted: bool = False
    show_reblogs: bool = True
    notify: bool = False
    created_at: datetime = time_now()


class Block(SQLModel, table=True):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id", name="uq_blocks_account_target"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_account_id: int = bigint_fk("accounts.id")
    uri: str = Field(max_length=2048)
    created_at: datetime = time_now()


class Mute(SQLModel, table=True):
    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("account_id", "target_account_id", name="uq_mutes_account_target"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_account_id: int = bigint_fk("accounts.id")
    notifications: bool = True
    created_at: datetime = time_now()


class AccountNote(SQLModel, table=True):
    """A private note an account keeps about another (Mastodon's relationship `note`)."""

    __tablename__ = "account_notes"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_account_notes_account_target"),
    )

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_account_id: int = bigint_fk("accounts.id")
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = time_now()


class Endorsement(SQLModel, table=True):
    """An account a local account recommends on its profile (Mastodon's account pins)."""

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_endorsements_account_target"),
    )

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_account_id: int = bigint_fk("accounts.id")
    created_at: datetime = time_now()


class AccountDomainBlock(SQLModel, table=True):
    """A person hides a whole remote domain: its posts leave their public timelines and
    notifications, and its accounts stop following them (Mastodon's "Block domain")."""

    __tablename__ = "account_domain_blocks"
    __table_args__ = (UniqueConstraint("account_id", "domain", name="uq_account_domain_blocks"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    domain: str = Field(max_length=255)
    created_at: datetime = time_now()
