"""Favourites, bookmarks and pins of statuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now


class Favourite(SQLModel, table=True):
    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("account_id", "status_id", name="uq_favourites_account_status"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    status_id: int = bigint_fk("statuses.id")
    # The Like activity's id (ours or the remote one).
    uri: str = Field(max_length=2048, index=True)
    created_at: datetime = time_now()


class Bookmark(SQLModel, table=True):
    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("account_id", "status_id", name="uq_bookmarks_account_status"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    status_id: int = bigint_fk("statuses.id")
    created_at: datetime = time_now()


class Pin(SQLModel, table=True):
    """A status pinned to its author's profile (the `featured` collection)."""

    __tablename__ = "pins"
    __table_args__ = (UniqueConstraint("account_id", "status_id", name="uq_pins_account_status"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    status_id: int = bigint_fk("statuses.id")
    created_at: datetime = time_now()
