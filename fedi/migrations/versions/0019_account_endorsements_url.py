"""the endorsements collection a remote actor publishes (fedi's `endorsements` actor property)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("endorsements_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("endorsements_url")
