"""Statuses a local account asked to be published later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from fedi.models.base import UTCDateTime, bigint_fk, id_field, json_dict, time_now


class ScheduledStatus(SQLModel, table=True):
    __tablename__ = "scheduled_statuses"

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    scheduled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # What the client posted (Mastodon's `params`: text, visibility, media_ids, ...).
    params: dict[str, Any] = json_dict()
    created_at: datetime = time_now()
