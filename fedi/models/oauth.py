"""OAuth 2 clients, authorization codes and access tokens (codes and tokens stored as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from fedi.models.base import bigint_fk, id_field, time_now, time_or_none


class OAuthApplication(SQLModel, table=True):
    __tablename__ = "oauth_applications"

    id: int = id_field()
    name: str = Field(max_length=255)
    website: str | None = Field(default=None, max_length=2048)
    # One redirect URI per line (Mastodon's storage and wire format).
    redirect_uris: str = Field(sa_column=Column(Text, nullable=False))
    scopes: str = Field(default="read", max_length=1024)
    client_id: str = Field(max_length=64, unique=True)
    # Mastodon clients send the secret back in plain text; we keep only its SHA-256.
    client_secret_hash: str = Field(max_length=64)
    owner_account_id: int | None = bigint_fk("accounts.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = time_now()


class OAuthCode(SQLModel, table=True):
    __tablename__ = "oauth_codes"

    id: int = id_field()
    code_hash: str = Field(max_length=64, unique=True)
    application_id: int = bigint_fk("oauth_applications.id")
    user_id: int = bigint_fk("users.id")
    redirect_uri: str = Field(sa_column=Column(Text, nullable=False))
    scopes: str = Field(max_length=1024)
    code_challenge: str | None = Field(default=None, max_length=128)
    code_challenge_method: str | None = Field(default=None, max_length=16)
    expires_at: datetime = time_now()
    used_at: datetime | None = time_or_none()
    created_at: datetime = time_now()


class OAuthToken(SQLModel, table=True):
    __tablename__ = "oauth_tokens"

    id: int = id_field()
    token_hash: str = Field(max_length=64, unique=True)
    application_id: int = bigint_fk("oauth_applications.id")
    # None for app-only tokens (client_credentials).
    user_id: int | None = bigint_fk("users.id", nullable=True)
    scopes: str = Field(max_length=1024)
    created_at: datetime = time_now()
    revoked_at: datetime | None = time_or_none()
    last_used_at: datetime | None = time_or_none()
    # None: valid until revoked (Mastodon's default).
    expires_at: datetime | None = time_or_none()
