"""Lists: a local account's named groups of accounts it follows, each with its own timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now


class RepliesPolicy(StrEnum):
    """Which replies by members a list shows (besides replies to themselves and to its owner)."""

    FOLLOWED = "followed"  # replies to anyone the owner follows
    LIST = "list"  # replies to other members
    NONE = "none"


class UserList(SQLModel, table=True):
    __tablename__ = "lists"

    id: int = id_field()
    account_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(max_length=255)
    replies_policy: str = Field(default=RepliesPolicy.LIST.value, max_length=16)
    # Members' posts show in the list and no longer in the owner's home timeline.
    exclusive: bool = False
    created_at: datetime = time_now()


class ListMember(SQLModel, table=True):
    __tablename__ = "list_accounts"
    __table_args__ = (UniqueConstraint("list_id", "account_id", name="uq_list_accounts_list_account"),)

    id: int = id_field()
    list_id: int = bigint_fk("lists.id")
    account_id: int = bigint_fk("accounts.id")
