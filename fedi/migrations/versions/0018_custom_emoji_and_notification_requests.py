"""custom emoji (local and remote, on statuses and accounts); notification policies and requests

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _account_fk(table: str, column: str = "account_id", ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        column,
        sa.BigInteger(),
        sa.ForeignKey("accounts.id", ondelete=ondelete, name=f"fk_{table}_{column}_accounts"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "custom_emojis",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("shortcode", sa.String(length=128), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=True),
        sa.Column("image_url", sa.String(length=2048), nullable=True),
        sa.Column("file_key", sa.String(length=512), nullable=True),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("visible_in_picker", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shortcode", "domain", name="uq_custom_emojis_shortcode_domain"),
    )
    op.create_index("ix_custom_emojis_domain", "custom_emojis", ["domain"])
    op.create_table(
        "status_emojis",
        sa.Column(
            "status_id",
            sa.BigInteger(),
            sa.ForeignKey("statuses.id", ondelete="CASCADE", name="fk_status_emojis_status_id_statuses"),
            primary_key=True,
        ),
        sa.Column(
            "emoji_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "custom_emojis.id", ondelete="CASCADE", name="fk_status_emojis_emoji_id_custom_emojis"
            ),
            primary_key=True,
        ),
    )
    op.create_index("ix_status_emojis_emoji_id", "status_emojis", ["emoji_id"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("emojis", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("filtered", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "notification_policies",
        sa.Column(
            "account_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "accounts.id", ondelete="CASCADE", name="fk_notification_policies_account_id_accounts"
            ),
            primary_key=True,
        ),
        *(
            sa.Column(name, sa.String(length=8), nullable=False)
            for name in (
                "for_not_following",
                "for_not_followers",
                "for_new_accounts",
                "for_private_mentions",
                "for_limited_accounts",
            )
        ),
    )
    op.create_table(
        "notification_requests",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        _account_fk("notification_requests"),
        _account_fk("notification_requests", "from_account_id"),
        sa.Column(
            "last_status_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "statuses.id", ondelete="SET NULL", name="fk_notification_requests_last_status_id_statuses"
            ),
            nullable=True,
        ),
        sa.Column("notifications_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "from_account_id", name="uq_notification_requests_account_from"),
    )
    op.create_index("ix_notification_requests_account_id", "notification_requests", ["account_id"])
    op.create_index("ix_notification_requests_from_account_id", "notification_requests", ["from_account_id"])
    op.create_index("ix_notification_requests_last_status_id", "notification_requests", ["last_status_id"])
    op.create_table(
        "notification_permissions",
        sa.Column(
            "account_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "accounts.id", ondelete="CASCADE", name="fk_notification_permissions_account_id_accounts"
            ),
            primary_key=True,
        ),
        sa.Column(
            "from_account_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "accounts.id", ondelete="CASCADE", name="fk_notification_permissions_from_account_id_accounts"
            ),
            primary_key=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_permissions")
    op.drop_index("ix_notification_requests_last_status_id", table_name="notification_requests")
    op.drop_index("ix_notification_requests_from_account_id", table_name="notification_requests")
    op.drop_index("ix_notification_requests_account_id", table_name="notification_requests")
    op.drop_table("notification_requests")
    op.drop_table("notification_policies")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("filtered")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("emojis")
    op.drop_index("ix_status_emojis_emoji_id", table_name="status_emojis")
    op.drop_table("status_emojis")
    op.drop_index("ix_custom_emojis_domain", table_name="custom_emojis")
    op.drop_table("custom_emojis")
