"""Notices the image bot has sent an account, so that it says each one at most once a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from fedi.models.base import time_now


class BotNotice(SQLModel, table=True):
    __tablename__ = "bot_notices"

    account_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    )
    # What was said, e.g. "generation_not_ready".
    kind: str = Field(sa_column=Column(String(32), primary_key=True))
    sent_at: datetime = time_now()
