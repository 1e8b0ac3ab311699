"""Custom emoji: the local set (managed with `fedi emoji`) and remote ones seen on posts and
actors, keyed by shortcode and domain ("" for local ones)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import id_field, time_now

LOCAL = ""


class CustomEmoji(SQLModel, table=True):
    __tablename__ = "custom_emojis"
    __table_args__ = (UniqueConstraint("shortcode", "domain", name="uq_custom_emojis_shortcode_domain"),)

    id: int = id_field()
    shortcode: str = Field(max_length=128)
    # "" for the local set, else the host of the server the emoji came from.
    domain: str = Field(default=LOCAL, max_length=255, index=True)
    # The AS2 id of a remote Emoji (None when it sent none); local ones derive theirs.
    uri: str | None = Field(default=None, max_length=2048)
    # A remote emoji's image, validated http(s); local ones live in media storage (file_key).
    image_url: str | None = Field(default=None, max_length=2048)
    file_key: str | None = Field(default=None, max_length=512)
    media_type: str = Field(default="image/png", max_length=64)
    category: str | None = Field(default=None, max_length=64)
    visible_in_picker: bool = True
    created_at: datetime = time_now()
    updated_at: datetime = time_now()

    @property
    def local(self) -> bool:
        return self.domain == LOCAL


class StatusEmoji(SQLModel, table=True):
    """An emoji a status shows (its `:shortcode:` in the text, or its `Emoji` tag)."""

    __tablename__ = "status_emojis"

    status_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True)
    )
    emoji_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("custom_emojis.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
