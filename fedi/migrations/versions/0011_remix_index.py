"""posts are found by the post they remix (lineage)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 14:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_statuses_remix_of_uri", "statuses", ["remix_of_uri"])


def downgrade() -> None:
    op.drop_index("ix_statuses_remix_of_uri", table_name="statuses")
