"""moderation from the web: the live prompt deny list with hit counts, per-account image quotas,
the image bot's per-domain switches, invites

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prompt_deny_terms",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_deny_terms")),
        sa.UniqueConstraint("term", name=op.f("uq_prompt_deny_terms_term")),
    )
    op.create_table(
        "generation_limits",
        sa.Column(
            "account_id",
            sa.BigInteger(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("daily_limit", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bot_domain_switches",
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("reach", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_bot_domain_switches")),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "account_id",
            sa.BigInteger(),
            sa.ForeignKey("accounts.id", name=op.f("fk_invites_account_id_accounts"), ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    op.create_index("ix_invites_account_id", "invites", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_invites_account_id", table_name="invites")
    op.drop_table("invites")
    op.drop_table("bot_domain_switches")
    op.drop_table("generation_limits")
    op.drop_table("prompt_deny_terms")
