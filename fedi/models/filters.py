"""Filters (Mastodon's v2 filters): keywords and statuses a local account does not want to see,
in chosen contexts, with an action and an optional expiry."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_list, time_now, time_or_none


class FilterContext(StrEnum):
    HOME = "home"  # the home timeline and lists
    NOTIFICATIONS = "notifications"
    PUBLIC = "public"  # public and hashtag timelines
    THREAD = "thread"  # a status's context
    ACCOUNT = "account"  # a profile's statuses


class FilterAction(StrEnum):
    WARN = "warn"  # shown behind a warning naming the filter
    HIDE = "hide"  # removed by the server
    BLUR = "blur"  # media blurred by the client


class Filter(SQLModel, table=True):
    __tablename__ = "filters"

    id: int = id_field()
    account_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(max_length=255)
    context: list[str] = json_list()
    action: str = Field(default=FilterAction.WARN.value, max_length=8)
    expires_at: datetime | None = time_or_none()
    created_at: datetime = time_now()


class FilterKeyword(SQLModel, table=True):
    __tablename__ = "filter_keywords"

    id: int = id_field()
    filter_id: int = bigint_fk("filters.id")
    keyword: str = Field(max_length=512)
    whole_word: bool = True


class FilterStatus(SQLModel, table=True):
    __tablename__ = "filter_statuses"
    __table_args__ = (UniqueConstraint("filter_id", "status_id", name="uq_filter_statuses_filter_status"),)

    id: int = id_field()
    filter_id: int = bigint_fk("filters.id")
    status_id: int = bigint_fk("statuses.id")
