"""Hashtags a local account follows: public posts carrying them reach its home timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import SQLModel

from fedi.models.base import bigint_fk, id_field, time_now


class TagFollow(SQLModel, table=True):
    __tablename__ = "tag_follows"
    __table_args__ = (UniqueConstraint("account_id", "tag_id", name="uq_tag_follows_account_tag"),)

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    tag_id: int = bigint_fk("tags.id")
    created_at: datetime = time_now()
