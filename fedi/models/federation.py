"""Durable federation state: received activities, outgoing activities and their deliveries,
peer health, tombstones, reports and moves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fedi.models.base import (
    bigint_fk,
    id_field,
    json_dict,
    json_list,
    state_field,
    time_now,
    time_or_none,
)


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    IGNORED = "ignored"
    FAILED = "failed"


class InboxItem(SQLModel, table=True):
    """An activity accepted into an inbox (signature checked), processed by a job.

    Unique on the activity id: a second delivery of the same activity is acknowledged and
    dropped. States: pending → done | ignored | failed. An item waiting for a fetch stays
    pending with `retry_at` set; processed items are deleted after `inbox_retention_days`.
    """

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_processed_at", "processed_at"),)

    id: int = id_field()
    activity_id: str = Field(max_length=2048, unique=True)
    activity_type: str = Field(max_length=64)
    actor_uri: str = Field(max_length=2048)
    # Whose inbox it arrived at (None: the shared inbox).
    recipient_account_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    payload: dict[str, Any] = json_dict()
    state: InboxState = state_field(InboxState.PENDING, index=True)
    attempts: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    received_at: datetime = time_now()
    processed_at: datetime | None = time_or_none()
    retry_at: datetime | None = time_or_none()

    @property
    def pending(self) -> bool:
        return self.state == InboxState.PENDING

    def processed(self, outcome: str, now: datetime) -> None:
        """Applied ("done"), or dropped for the reason `outcome` gives: the item is finished."""
        done = outcome == "done"
        self.state = InboxState.DONE if done else InboxState.IGNORED
        self.error = None if done else outcome[:1000]
        self.processed_at = now


class OutboxActivity(SQLModel, table=True):
    """An activity a local account sent; its JSON is signed again at each delivery attempt."""

    __tablename__ = "outbox_activities"

    id: int = id_field()
    uri: str = Field(max_length=2048, unique=True)
    account_id: int = bigint_fk("accounts.id")
    activity_type: str = Field(max_length=64)
    payload: dict[str, Any] = json_dict()
    created_at: datetime = time_now()


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    GONE = "gone"
    SKIPPED = "skipped"


class Delivery(SQLModel, table=True):
    """One activity to one inbox. States: pending → delivered | failed | gone | skipped.

    A job claims the row (state pending, lease expired) before sending, so two runs of the same
    job never send twice; `next_attempt_at` and `attempts` follow Mastodon's retry schedule.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("activity_id", "inbox_url", name="uq_deliveries_activity_inbox"),
        Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: int = id_field()
    activity_id: int = bigint_fk("outbox_activities.id")
    inbox_url: str = Field(max_length=2048)
    host: str = Field(max_length=255, index=True)
    state: DeliveryState = state_field(DeliveryState.PENDING)
    attempts: int = 0
    next_attempt_at: datetime = time_now()
    lease_until: datetime | None = time_or_none()
    # The process holding the lease (fedi.jobs.reliable.PROCESS_ID): a dead one's are released.
    lease_holder: str | None = Field(default=None, max_length=96)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=1024)
    created_at: datetime = time_now()
    finished_at: datetime | None = time_or_none()

    # Deliveries are sent in batches and written back with one bulk UPDATE, so their
    # transitions give the column values of that UPDATE rather than change a loaded row.

    @staticmethod
    def end(
        state: DeliveryState, *, attempts: int, now: datetime, status: int | None, error: str | None
    ) -> dict[str, Any]:
        """The attempt settled it (delivered, failed, gone or skipped): the delivery is over."""
        if state == DeliveryState.PENDING:
            raise ValueError("a delivery that ends leaves the pending state")
        return {
            "state": state,
            "attempts": attempts,
            "next_attempt_at": now,
            "lease_until": None,
            "lease_holder": None,
            "finished_at": now,
            "last_status": status,
            "last_error": error,
        }

    @staticmethod
    def reschedule(*, attempts: int, at: datetime, status: int | None, error: str | None) -> dict[str, Any]:
        """Try again at `at`: the delivery stays pending and its lease is released."""
        return {
            "state": DeliveryState.PENDING,
            "attempts": attempts,
            "next_attempt_at": at,
            "lease_until": None,
            "lease_holder": None,
            "finished_at": None,
            "last_status": status,
            "last_error": error,
        }

    @staticmethod
    def gone(now: datetime) -> dict[str, Any]:
        """Its inbox answered 410 (for another delivery): a pending delivery there ends as gone."""
        return {"state": DeliveryState.GONE, "finished_at": now}


class Peer(SQLModel, table=True):
    """What we know of a remote host's health, for the circuit breaker and availability."""

    __tablename__ = "peers"

    host: str = Field(max_length=255, primary_key=True)
    consecutive_failures: int = 0
    circuit_open_until: datetime | None = time_or_none()
    # Distinct UTC days with failed deliveries since the last success (ISO dates).
    failure_days: list[str] = json_list()
    unavailable: bool = False
    last_success_at: datetime | None = time_or_none()
    software: str | None = Field(default=None, max_length=64)


class Tombstone(SQLModel, table=True):
    """A deleted object's URI: a Create that arrives after its Delete is ignored."""

    __tablename__ = "tombstones"

    uri: str = Field(max_length=2048, primary_key=True)
    account_uri: str = Field(max_length=2048)
    deleted_at: datetime = time_now()


class Report(SQLModel, table=True):
    """A report (Flag), received from another server or filed by a local user.

    Open until a moderator resolves it (`action_taken_at`); reopening clears that.
    """

    __tablename__ = "reports"

    id: int = id_field()
    uri: str | None = Field(default=None, max_length=2048, unique=True)
    # A remote report names the reporting server's actor (often its instance actor).
    reporter_account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    target_account_id: int = bigint_fk("accounts.id")
    status_uris: list[str] = json_list()
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(default="other", max_length=16)
    rule_ids: list[int] = json_list()
    # Sent on to the reported account's server as a Flag.
    forwarded: bool = False
    assigned_account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    action_taken_at: datetime | None = time_or_none()
    action_taken_by_account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = time_now()
    updated_at: datetime = time_now()


class AccountMove(SQLModel, table=True):
    """A Move received for a remote account (kept; followers are not migrated automatically)."""

    __tablename__ = "account_moves"

    id: int = id_field()
    account_id: int = bigint_fk("accounts.id")
    target_uri: str = Field(max_length=2048)
    activity_uri: str = Field(max_length=2048, unique=True)
    created_at: datetime = time_now()
