"""How much each recent post is being interacted with, for the trending gallery and API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, ForeignKey
from sqlmodel import Field, SQLModel

from fedi.models.base import time_now


class TrendScore(SQLModel, table=True):
    """A post's decayed interaction score, kept as one sortable number (fedi.services.trends):
    log2 of the sum of each interaction's weight times 2^((when - epoch) / half-life). Every
    score decays by the same factor as time passes, so ordering by `key` is ordering by the
    current score, and an interaction updates one row."""

    __tablename__ = "trend_scores"

    status_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    )
    key: float = Field(sa_column=Column(Float, nullable=False, index=True))
    updated_at: datetime = time_now()
