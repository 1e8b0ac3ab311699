"""decayed interaction scores of recent posts (trending)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trend_scores",
        sa.Column(
            "status_id",
            sa.BigInteger(),
            sa.ForeignKey("statuses.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_trend_scores_key", "trend_scores", ["key"])


def downgrade() -> None:
    op.drop_index("ix_trend_scores_key", table_name="trend_scores")
    op.drop_table("trend_scores")
