"""Web Push subscriptions, the VAPID key, and scheduled statuses

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_push_subscriptions",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "access_token_id",
            sa.BigInteger(),
            sa.ForeignKey("oauth_tokens.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "account_id", sa.BigInteger(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("key_p256dh", sa.String(length=128), nullable=False),
        sa.Column("key_auth", sa.String(length=64), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_push_subscriptions_account_id", "web_push_subscriptions", ["account_id"])
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scheduled_statuses",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "account_id", sa.BigInteger(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scheduled_statuses_account_id", "scheduled_statuses", ["account_id"])
    op.create_index("ix_scheduled_statuses_scheduled_at", "scheduled_statuses", ["scheduled_at"])
    with op.batch_alter_table("media_attachments") as batch:
        batch.add_column(sa.Column("scheduled_status_id", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(
            "fk_media_attachments_scheduled_status_id_scheduled_statuses",
            "scheduled_statuses",
            ["scheduled_status_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_media_attachments_scheduled_status_id", ["scheduled_status_id"])


def downgrade() -> None:
    with op.batch_alter_table("media_attachments") as batch:
        batch.drop_index("ix_media_attachments_scheduled_status_id")
        batch.drop_constraint(
            "fk_media_attachments_scheduled_status_id_scheduled_statuses", type_="foreignkey"
        )
        batch.drop_column("scheduled_status_id")
    op.drop_index("ix_scheduled_statuses_scheduled_at", table_name="scheduled_statuses")
    op.drop_index("ix_scheduled_statuses_account_id", table_name="scheduled_statuses")
    op.drop_table("scheduled_statuses")
    op.drop_table("server_keys")
    op.drop_index("ix_web_push_subscriptions_account_id", table_name="web_push_subscriptions")
    op.drop_table("web_push_subscriptions")
