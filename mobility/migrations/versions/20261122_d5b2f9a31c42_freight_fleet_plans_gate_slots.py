"""freight fleet plans gate slots

Revision ID: d5b2f9a31c42
Revises: c4a1e8f20b31
Create Date: 2026-11-22 08:30:00

Fleet-plan jobs of logistics firms and truck appointment slots at terminal gates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5b2f9a31c42"
down_revision: str | None = "c4a1e8f20b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_PLANS = "freight_fleet_plans"
_SLOTS = "freight_gate_slots"
_BOOKINGS = "freight_gate_slot_bookings"


def upgrade() -> None:
    op.create_table(
        _PLANS,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("time_budget_s", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed",
                name="planstatus", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column(
            "webhook_status",
            sa.Enum(
                "pending", "delivered", "failed",
                name="webhookstatus", native_enum=False, length=16,
            ),
            nullable=True,
        ),
        sa.Column("webhook_attempts", sa.Integer(), nullable=False),
        sa.Column("webhook_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_fleet_plans")),
    )  # fmt: skip
    op.create_index(op.f("ix_freight_fleet_plans_organisation_id"), _PLANS, ["organisation_id"])
    op.create_table(
        _SLOTS,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity_teu", sa.Integer(), nullable=False),
        sa.Column("booked_teu", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity_teu > 0", name=op.f("ck_freight_gate_slots_capacity_positive")),
        sa.CheckConstraint(
            "booked_teu >= 0 AND booked_teu <= capacity_teu",
            name=op.f("ck_freight_gate_slots_booked_within_capacity"),
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_freight_gate_slots_starts_before_ending")
        ),
        sa.ForeignKeyConstraint(
            ["terminal_id"], ["freight_terminals.id"],
            name=op.f("fk_freight_gate_slots_terminal_id_freight_terminals"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_gate_slots")),
        sa.UniqueConstraint(
            "terminal_id", "starts_at", name=op.f("uq_freight_gate_slots_terminal_id_starts_at")
        ),
        sqlite_autoincrement=True,
    )  # fmt: skip
    op.create_table(
        _BOOKINGS,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("teu", sa.SmallInteger(), nullable=False),
        sa.Column("device_key", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("booked", "cancelled", name="bookingstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("token_jti", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("teu > 0", name=op.f("ck_freight_gate_slot_bookings_teu_positive")),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["freight_gate_slots.id"],
            name=op.f("fk_freight_gate_slot_bookings_slot_id_freight_gate_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_gate_slot_bookings")),
        sa.UniqueConstraint(
            "organisation_id", "idempotency_key",
            name=op.f("uq_freight_gate_slot_bookings_organisation_id_idempotency_key"),
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_freight_gate_slot_bookings_organisation_id"), _BOOKINGS, ["organisation_id"]
    )
    op.create_index(op.f("ix_freight_gate_slot_bookings_slot_id"), _BOOKINGS, ["slot_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_freight_gate_slot_bookings_slot_id"), table_name=_BOOKINGS)
    op.drop_index(op.f("ix_freight_gate_slot_bookings_organisation_id"), table_name=_BOOKINGS)
    op.drop_table(_BOOKINGS)
    op.drop_table(_SLOTS)
    op.drop_index(op.f("ix_freight_fleet_plans_organisation_id"), table_name=_PLANS)
    op.drop_table(_PLANS)
