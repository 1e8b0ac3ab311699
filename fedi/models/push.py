"""Web Push: one subscription per access token, and the server's VAPID key pair."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, json_dict, time_now

# The notification types a subscription can ask to be pushed (Mastodon 4.4's `data[alerts]`).
PUSH_ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)


class PushPolicy(StrEnum):
    """Whose notifications are pushed: everyone's, people the user follows, their followers, nobody's."""

    ALL = "all"
    FOLLOWED = "followed"
    FOLLOWER = "follower"
    NONE = "none"


class PushSubscription(SQLModel, table=True):
    __tablename__ = "web_push_subscriptions"

    id: int = id_field()
    # The token the client subscribed with; revoking or replacing it ends the subscription.
    access_token_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("oauth_tokens.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    account_id: int = bigint_fk("accounts.id")
    endpoint: str = Field(sa_column=Column(Text, nullable=False))
    # The client's P-256 public key and auth secret (base64url), which each payload is encrypted to.
    key_p256dh: str = Field(max_length=128)
    key_auth: str = Field(max_length=64)
    # True: RFC 8291 `aes128gcm`; False: the draft `aesgcm` older clients still ask for.
    standard: bool = False
    alerts: dict[str, Any] = json_dict()
    policy: str = Field(default=PushPolicy.ALL, max_length=16)
    # The bearer token itself, which Mastodon's payload carries so that a client signed in to
    # several accounts knows which one a notification is for (tokens are otherwise kept hashed).
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = time_now()


class ServerKey(SQLModel, table=True):
    """A key pair the server made once and keeps (the VAPID key: name "vapid")."""

    __tablename__ = "server_keys"

    name: str = Field(primary_key=True, max_length=32)
    # PEM (PKCS#8) private key and the base64url public key clients are given.
    private_key_pem: str = Field(sa_column=Column(Text, nullable=False))
    public_key: str = Field(max_length=128)
    created_at: datetime = time_now()
