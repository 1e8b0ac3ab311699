"""moderation: roles, reports, domain blocks, account actions, audit log

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:55:36.077843

Users' `admin` flag becomes a role (owner, admin, moderator, user): admins stay admins.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_rules",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_rules")),
    )
    op.create_table(
        "domain_allows",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_allows")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_allows_domain")),
    )
    op.create_table(
        "domain_blocks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reject_media", sa.Boolean(), nullable=False),
        sa.Column("reject_reports", sa.Boolean(), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=True),
        sa.Column("public_comment", sa.Text(), nullable=True),
        sa.Column("obfuscate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_blocks_domain")),
    )
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_admin_actions_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    with op.batch_alter_table("admin_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_actions_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_actions_created_at"), ["created_at"], unique=False)

    op.create_table(
        "moderation_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_moderation_notes_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_moderation_notes_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_notes")),
    )
    with op.batch_alter_table("moderation_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_notes_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_moderation_notes_target_account_id"), ["target_account_id"], unique=False
        )

    op.create_table(
        "account_warnings",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("report_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_warnings_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_account_warnings_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_account_warnings_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_warnings")),
    )
    with op.batch_alter_table("account_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_warnings_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_warnings_report_id"), ["report_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_account_warnings_target_account_id"), ["target_account_id"], unique=False
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("silenced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sensitized", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_report_id"), ["report_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_report_id_reports"),
            "reports",
            ["report_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category", sa.String(length=16), nullable=False, server_default="other")
        )
        batch_op.add_column(sa.Column("rule_ids", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("forwarded", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("assigned_account_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("action_taken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("action_taken_by_account_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch_op.create_index(
            batch_op.f("ix_reports_action_taken_by_account_id"), ["action_taken_by_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reports_assigned_account_id"), ["assigned_account_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_action_taken_by_account_id_accounts"),
            "accounts",
            ["action_taken_by_account_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_assigned_account_id_accounts"),
            "accounts",
            ["assigned_account_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), nullable=False, server_default="user"))
        batch_op.add_column(sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("sign_up_reason", sa.Text(), nullable=False, server_default=""))
    op.execute(sa.text("UPDATE users SET role = 'admin' WHERE admin"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("admin")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE users SET admin = (role IN ('admin', 'owner'))"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("sign_up_reason")
        batch_op.drop_column("approved")
        batch_op.drop_column("role")

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_assigned_account_id_accounts"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_reports_action_taken_by_account_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reports_assigned_account_id"))
        batch_op.drop_index(batch_op.f("ix_reports_action_taken_by_account_id"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("action_taken_by_account_id")
        batch_op.drop_column("action_taken_at")
        batch_op.drop_column("assigned_account_id")
        batch_op.drop_column("forwarded")
        batch_op.drop_column("rule_ids")
        batch_op.drop_column("category")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_report_id_reports"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_report_id"))
        batch_op.drop_column("report_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("sensitized")
        batch_op.drop_column("silenced_at")
        batch_op.drop_column("suspended_at")

    with op.batch_alter_table("account_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_warnings_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_account_warnings_report_id"))
        batch_op.drop_index(batch_op.f("ix_account_warnings_account_id"))

    op.drop_table("account_warnings")
    with op.batch_alter_table("moderation_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_notes_target_account_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_notes_account_id"))

    op.drop_table("moderation_notes")
    with op.batch_alter_table("admin_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_actions_created_at"))
        batch_op.drop_index(batch_op.f("ix_admin_actions_account_id"))

    op.drop_table("admin_actions")
    op.drop_table("domain_blocks")
    op.drop_table("domain_allows")
    op.drop_table("server_rules")
