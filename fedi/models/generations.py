"""Image generations: what was asked, by whom, where it stands, and where its image goes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, state_field, time_now, time_or_none


class GenerationState(StrEnum):
    """queued → running → done | held | failed | cancelled; held → done | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    # The image check flagged the image: it waits for a moderator (generation.hold_flagged).
    HELD = "held"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


IN_FLIGHT = (GenerationState.QUEUED, GenerationState.RUNNING)
FINISHED = (GenerationState.DONE, GenerationState.FAILED, GenerationState.CANCELLED)


class Generation(SQLModel, table=True):
    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_account_id_created_at", "account_id", "created_at"),
        Index("ix_generations_quota_domain_created_at", "quota_domain", "created_at"),
    )

    id: int = id_field()
    # Who asked: a local account, or a remote one that mentioned the image bot.
    account_id: int = bigint_fk("accounts.id", index=False)
    # A remote requester's registrable domain (example.co.uk for a.b.example.co.uk): the daily
    # remote quota counts by it, so subdomains share one. None for local requesters.
    quota_domain: str | None = Field(default=None, max_length=255)
    # api | media | directive | bot | remix | edit | web
    kind: str = Field(max_length=16)
    preset: str = Field(max_length=128)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    negative_prompt: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    width: int
    height: int
    steps: int
    guidance: float
    # Up to 2**32 - 1: wider than PostgreSQL's integer.
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: GenerationState = state_field(GenerationState.QUEUED, index=True)
    progress_step: int = 0
    progress_total: int = 0
    error: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    # The media attachment that receives the image (created with the request, state processing).
    media_id: int | None = bigint_fk("media_attachments.id", nullable=True, ondelete="SET NULL")
    # The post published once the image exists (directive, bot and remix requests).
    status_id: int | None = bigint_fk("statuses.id", nullable=True, ondelete="SET NULL")
    remix_of_uri: str | None = Field(default=None, max_length=2048)
    # An edit (image to image of the post at remix_of_uri): how much of its image to change.
    strength: float | None = None
    # The job engine's id of the GPU task, to withdraw it on cancellation.
    task_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = time_now()
    started_at: datetime | None = time_or_none()
    finished_at: datetime | None = time_or_none()

    @property
    def in_flight(self) -> bool:
        return self.state in IN_FLIGHT

    @property
    def held(self) -> bool:
        return self.state == GenerationState.HELD

    def start(self, now: datetime) -> None:
        """A worker reported its first step."""
        if self.state == GenerationState.QUEUED:
            self.state, self.started_at = GenerationState.RUNNING, now

    def requeue(self) -> None:
        """Its job was lost: it waits for a worker again."""
        self.state = GenerationState.QUEUED

    def finish(self, now: datetime, *, held: bool) -> None:
        """The image exists; a flagged one is held for a moderator instead of done."""
        self.state, self.finished_at = (GenerationState.HELD if held else GenerationState.DONE), now
        self.progress_step = self.progress_total = max(self.progress_total, self.steps)

    def release(self) -> None:
        """A moderator approved the held image."""
        self.state = GenerationState.DONE

    def fail(self, reason: str, now: datetime, *, cancelled: bool = False) -> None:
        """It could not be made (or its requester cancelled it)."""
        self.state = GenerationState.CANCELLED if cancelled else GenerationState.FAILED
        self.error, self.finished_at = reason[:1000], now


class BotReplyKind(StrEnum):
    IMAGE = "image"
    REFUSAL = "refusal"
    # Generation is not set up (or not ready): said once a day per asker.
    NOT_READY = "not_ready"


class BotReply(SQLModel, table=True):
    """A reply the image bot sent: what its per-asker and per-domain reply limits count."""

    __tablename__ = "bot_replies"
    __table_args__ = (
        Index("ix_bot_replies_account_id_created_at", "account_id", "created_at"),
        Index("ix_bot_replies_domain_created_at", "domain", "created_at"),
    )

    id: int = id_field()
    # The asker the reply answered.
    account_id: int = bigint_fk("accounts.id", index=False)
    # The asker's registrable domain; None for local askers.
    domain: str | None = Field(default=None, max_length=255)
    kind: BotReplyKind = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = time_now()
