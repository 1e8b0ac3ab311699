"""client API second screens: grouped notifications

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing notifications stay ungrouped (no key), as Mastodon's did when it introduced groups.
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("group_key", sa.String(length=64), nullable=True))
        batch.create_index("ix_notifications_account_id_group_key", ["account_id", "group_key"])


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_account_id_group_key")
        batch.drop_column("group_key")
