"""accounts choose a licence for the images they generate; edits record their strength

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 14:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column(
                "image_licence", sa.String(length=32), nullable=False, server_default="all-rights-reserved"
            )
        )
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("strength", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.drop_column("strength")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("image_licence")
