"""clearing runs

Revision ID: c0a7e4f86b97
Revises: a8e5c2d64f75
Create Date: 2026-11-22 09:40:00

Runs of revenue clearing on the worker: a month's clearing computed and posted, its state, who
asked, and its totals once done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0a7e4f86b97"
down_revision: str | None = "a8e5c2d64f75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNS = "ticketing_clearing_runs"


def upgrade() -> None:
    op.create_table(
        _RUNS,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed",
                name="clearingrunstatus", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "trigger",
            sa.Enum("api", "cli", "schedule", name="clearingruntrigger", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("active_period", sa.String(length=7), nullable=True),
        sa.Column("scheduled_period", sa.String(length=7), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=200), nullable=True),
        sa.Column("totals", sa.JSON(), nullable=True),
        sa.Column("ledger_references", sa.JSON(), nullable=True),
        sa.Column("transactions_posted", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_clearing_runs")),
        sa.UniqueConstraint("active_period", name=op.f("uq_ticketing_clearing_runs_active_period")),
        sa.UniqueConstraint(
            "scheduled_period", name=op.f("uq_ticketing_clearing_runs_scheduled_period")
        ),
        sqlite_autoincrement=True,
    )  # fmt: skip
    op.create_index(op.f("ix_ticketing_clearing_runs_period"), _RUNS, ["period"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticketing_clearing_runs_period"), table_name=_RUNS)
    op.drop_table(_RUNS)
