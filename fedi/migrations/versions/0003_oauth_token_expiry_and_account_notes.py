"""oauth token expiry, account notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:55:03.690296
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_notes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_account_notes_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notes")),
        sa.UniqueConstraint("account_id", "target_account_id", name="uq_account_notes_account_target"),
    )
    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_notes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_account_notes_target_account_id"), ["target_account_id"], unique=False
        )

    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_notes_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_account_notes_account_id"))

    op.drop_table("account_notes")
