"""ticketing accounts

Revision ID: 14917b5d0346
Revises: f40d3b72f4dd
Create Date: 2026-11-22 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "14917b5d0346"
down_revision: str | None = "f40d3b72f4dd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticketing_accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("rider_category", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_accounts")),
        sa.UniqueConstraint("email_key", name=op.f("uq_ticketing_accounts_email_key")),
    )
    op.create_table(
        "ticketing_account_eligibility",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("rider_category", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "verified",
                "rejected",
                name="eligibilitystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=128), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ticketing_accounts.id"],
            name=op.f("fk_ticketing_account_eligibility_account_id_ticketing_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_account_eligibility")),
        sa.UniqueConstraint(
            "account_id",
            "rider_category",
            name=op.f("uq_ticketing_account_eligibility_account_id_rider_category"),
        ),
    )
    op.create_table(
        "ticketing_refresh_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ticketing_accounts.id"],
            name=op.f("fk_ticketing_refresh_tokens_account_id_ticketing_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_refresh_tokens")),
    )
    with op.batch_alter_table("ticketing_refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticketing_refresh_tokens_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticketing_refresh_tokens_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticketing_refresh_tokens_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticketing_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticketing_refresh_tokens_expires_at"))
        batch_op.drop_index(batch_op.f("ix_ticketing_refresh_tokens_family_id"))
        batch_op.drop_index(batch_op.f("ix_ticketing_refresh_tokens_account_id"))
    op.drop_table("ticketing_refresh_tokens")
    op.drop_table("ticketing_account_eligibility")
    op.drop_table("ticketing_accounts")
