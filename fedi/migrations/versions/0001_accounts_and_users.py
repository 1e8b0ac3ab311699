"""accounts and users

Revision ID: 0001
Revises:
Create Date: 2026-11-23 18:33:12.674874
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("acct_key", sa.String(length=512), nullable=False),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_source", sa.Text(), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("inbox_url", sa.String(length=2048), nullable=False),
        sa.Column("shared_inbox_url", sa.String(length=2048), nullable=True),
        sa.Column("outbox_url", sa.String(length=2048), nullable=True),
        sa.Column("followers_url", sa.String(length=2048), nullable=True),
        sa.Column("following_url", sa.String(length=2048), nullable=True),
        sa.Column("featured_url", sa.String(length=2048), nullable=True),
        sa.Column("public_key_id", sa.String(length=2048), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=True),
        sa.Column("avatar_file", sa.String(length=512), nullable=True),
        sa.Column("avatar_remote_url", sa.String(length=2048), nullable=True),
        sa.Column("header_file", sa.String(length=512), nullable=True),
        sa.Column("header_remote_url", sa.String(length=2048), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("discoverable", sa.Boolean(), nullable=False),
        sa.Column("indexable", sa.Boolean(), nullable=False),
        sa.Column("also_known_as", sa.JSON(), nullable=False),
        sa.Column("moved_to_uri", sa.String(length=2048), nullable=True),
        sa.Column("memorial", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("followers_count", sa.Integer(), nullable=False),
        sa.Column("following_count", sa.Integer(), nullable=False),
        sa.Column("statuses_count", sa.Integer(), nullable=False),
        sa.Column("last_status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("acct_key", name="uq_accounts_acct_key"),
        sa.UniqueConstraint("uri", name=op.f("uq_accounts_uri")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_domain"), ["domain"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_followers_url"), ["followers_url"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_public_key_id"), ["public_key_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("default_visibility", sa.String(length=16), nullable=False),
        sa.Column("default_sensitive", sa.Boolean(), nullable=False),
        sa.Column("default_language", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_users_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_account_id"))

    op.drop_table("users")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_public_key_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_followers_url"))
        batch_op.drop_index(batch_op.f("ix_accounts_domain"))

    op.drop_table("accounts")
