"""Rows that belong to running processes rather than to the instance's content."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from fedi.models.base import time_now


class IdNode(SQLModel, table=True):
    """One claim per started process: the row's number picks the node bits of the ids the
    process mints, so that processes sharing a database never mint the same id (fedi.ids)."""

    __tablename__ = "id_nodes"

    id: int | None = Field(default=None, primary_key=True)
    claimed_at: datetime = time_now()
