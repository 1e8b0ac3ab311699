"""people block whole domains for themselves

Revision ID: 0015
Revises: 0009
Create Date: 2026-11-29 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_domain_blocks",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "account_id", sa.BigInteger(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account_id", "domain", name="uq_account_domain_blocks"),
    )
    op.create_index("ix_account_domain_blocks_account_id", "account_domain_blocks", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_account_domain_blocks_account_id", table_name="account_domain_blocks")
    op.drop_table("account_domain_blocks")
