"""Media attachments: uploaded, generated, or remote images."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_dict, time_now

MEDIA_STATES = ("processing", "ready", "failed")


class MediaAttachment(SQLModel, table=True):
    __tablename__ = "media_attachments"

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    status_id: int | None = bigint_fk("statuses.id", nullable=True, ondelete="SET NULL")
    # Reserved by a scheduled status: attached to nothing else until it is published or cancelled.
    scheduled_status_id: int | None = bigint_fk("scheduled_statuses.id", nullable=True, ondelete="SET NULL")
    # Order within its status (Mastodon keeps the order media_ids were given in).
    position: int = 0
    type: str = Field(default="image", max_length=16)
    state: str = Field(default="ready", max_length=16)
    # Keys in media storage: local uploads, generated images, and remote images once cached
    # (fedi.services.media_cache); None for remote media not cached.
    file_key: str | None = Field(default=None, max_length=512)
    thumbnail_key: str | None = Field(default=None, max_length=512)
    remote_url: str | None = Field(default=None, max_length=2048)
    mime_type: str = Field(default="image/webp", max_length=64)
    width: int | None = None
    height: int | None = None
    # Bytes in media storage (for a cached remote image: the copy and its thumbnail).
    size: int | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    blurhash: str | None = Field(default=None, max_length=128)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    focus_x: float = 0.0
    focus_y: float = 0.0
    # How a generated image was made (model, prompt, seed, steps...): its provenance record.
    generation: dict[str, Any] | None = json_dict(nullable=True)
    error: str | None = Field(default=None, max_length=512)
    created_at: datetime = time_now()
