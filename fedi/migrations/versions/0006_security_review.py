"""security review: bot replies, session versions, quota domains, ed25519 keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:19:35.651881
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_replies",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_bot_replies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_replies")),
    )
    with op.batch_alter_table("bot_replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bot_replies_account_id_created_at", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_bot_replies_domain_created_at", ["domain", "created_at"], unique=False)

    # Existing rows get an empty key list and session version 0.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assertion_keys", sa.JSON(), nullable=False, server_default="[]"))

    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota_domain", sa.String(length=255), nullable=True))
        batch_op.create_index(
            "ix_generations_quota_domain_created_at", ["quota_domain", "created_at"], unique=False
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")

    with op.batch_alter_table("generations", schema=None) as batch_op:
        batch_op.drop_index("ix_generations_quota_domain_created_at")
        batch_op.drop_column("quota_domain")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("assertion_keys")

    with op.batch_alter_table("bot_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_replies_domain_created_at")
        batch_op.drop_index("ix_bot_replies_account_id_created_at")

    op.drop_table("bot_replies")
