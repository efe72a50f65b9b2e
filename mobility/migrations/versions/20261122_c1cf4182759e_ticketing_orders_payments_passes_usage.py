"""ticketing orders payments passes usage

Revision ID: c1cf4182759e
Revises: 14917b5d0346
Create Date: 2026-11-22 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1cf4182759e"
down_revision: str | None = "14917b5d0346"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_pass_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("pass_id", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_access_pass_tokens")),
    )
    op.create_index(
        op.f("ix_access_pass_tokens_pass_id"), "access_pass_tokens", ["pass_id"], unique=False
    )
    op.create_table(
        "mobility_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_mobility_outbox_available_at"), "mobility_outbox", ["available_at"], unique=False
    )
    op.create_index(
        op.f("ix_mobility_outbox_delivered_at"), "mobility_outbox", ["delivered_at"], unique=False
    )
    op.create_table(
        "ticketing_provider_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("raw_type", sa.String(length=100), nullable=False),
        sa.Column("intent_id", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_provider_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_ticketing_provider_events_provider_event_id")
        ),
    )
    op.create_index(
        op.f("ix_ticketing_provider_events_intent_id"),
        "ticketing_provider_events",
        ["intent_id"],
        unique=False,
    )
    op.create_table(
        "ticketing_orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending_payment",
                "paid",
                "fulfilled",
                "failed",
                "refunded",
                "partially_refunded",
                name="orderstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.Column("vat_amount", sa.Integer(), nullable=False),
        sa.Column("vat_rate_bp", sa.Integer(), nullable=False),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("device_key", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total_amount",
            name=op.f("ck_ticketing_orders_refund_within_total"),
        ),
        sa.CheckConstraint(
            "total_amount >= 0", name=op.f("ck_ticketing_orders_total_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ticketing_accounts.id"],
            name=op.f("fk_ticketing_orders_account_id_ticketing_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_orders")),
        sa.UniqueConstraint(
            "account_id",
            "idempotency_key",
            name=op.f("uq_ticketing_orders_account_id_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_ticketing_orders_account_id"), "ticketing_orders", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_ticketing_orders_status"), "ticketing_orders", ["status"], unique=False
    )
    op.create_table(
        "ticketing_order_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("rider_category_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("vat_amount", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pricing_note", sa.Text(), nullable=False),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "quantity >= 1", name=op.f("ck_ticketing_order_lines_quantity_positive")
        ),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount",
            name=op.f("ck_ticketing_order_lines_refund_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticketing_orders.id"],
            name=op.f("fk_ticketing_order_lines_order_id_ticketing_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["ticketing_products.id"],
            name=op.f("fk_ticketing_order_lines_product_id_ticketing_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_order_lines")),
        sa.UniqueConstraint(
            "order_id", "line_no", name=op.f("uq_ticketing_order_lines_order_id_line_no")
        ),
    )
    op.create_index(
        op.f("ix_ticketing_order_lines_product_id"),
        "ticketing_order_lines",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "ticketing_payments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("intent_id", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                "canceled",
                name="paymentstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticketing_orders.id"],
            name=op.f("fk_ticketing_payments_order_id_ticketing_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_payments")),
        sa.UniqueConstraint(
            "provider", "intent_id", name=op.f("uq_ticketing_payments_provider_intent_id")
        ),
    )
    op.create_index(
        op.f("ix_ticketing_payments_order_id"), "ticketing_payments", ["order_id"], unique=False
    )
    op.create_table(
        "ticketing_passes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("product_kind", sa.String(length=32), nullable=False),
        sa.Column("rider_category_id", sa.String(length=64), nullable=False),
        sa.Column("operators", sa.Text(), nullable=False),
        sa.Column("networks", sa.Text(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        sa.Column("rides_total", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("device_key", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "revoked", name="passstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ticketing_accounts.id"],
            name=op.f("fk_ticketing_passes_account_id_ticketing_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticketing_orders.id"],
            name=op.f("fk_ticketing_passes_order_id_ticketing_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["ticketing_order_lines.id"],
            name=op.f("fk_ticketing_passes_order_line_id_ticketing_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["ticketing_products.id"],
            name=op.f("fk_ticketing_passes_product_id_ticketing_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_passes")),
        sa.UniqueConstraint(
            "order_line_id", "seq", name=op.f("uq_ticketing_passes_order_line_id_seq")
        ),
    )
    op.create_index(
        op.f("ix_ticketing_passes_account_id"), "ticketing_passes", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_ticketing_passes_order_id"), "ticketing_passes", ["order_id"], unique=False
    )
    op.create_table(
        "ticketing_refunds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("vat_amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ticketing_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticketing_orders.id"],
            name=op.f("fk_ticketing_refunds_order_id_ticketing_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["ticketing_payments.id"],
            name=op.f("fk_ticketing_refunds_payment_id_ticketing_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_refunds")),
        sa.UniqueConstraint(
            "order_id",
            "idempotency_key",
            name=op.f("uq_ticketing_refunds_order_id_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_ticketing_refunds_order_id"), "ticketing_refunds", ["order_id"], unique=False
    )
    op.create_table(
        "ticketing_travel_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tap_id", sa.String(length=64), nullable=False),
        sa.Column("pass_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("rider_category_id", sa.String(length=64), nullable=True),
        sa.Column("operator_id", sa.String(length=64), nullable=False),
        sa.Column("network_id", sa.String(length=64), nullable=True),
        sa.Column("zone_id", sa.String(length=64), nullable=True),
        sa.Column("gate_id", sa.String(length=64), nullable=True),
        sa.Column("stop_ref", sa.String(length=200), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("tapped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("base_fare", sa.Integer(), nullable=True),
        sa.Column("charged", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("capped_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ticketing_accounts.id"],
            name=op.f("fk_ticketing_travel_records_account_id_ticketing_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["pass_id"],
            ["ticketing_passes.id"],
            name=op.f("fk_ticketing_travel_records_pass_id_ticketing_passes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_travel_records")),
        sa.UniqueConstraint("tap_id", name=op.f("uq_ticketing_travel_records_tap_id")),
    )
    op.create_index(
        op.f("ix_ticketing_travel_records_account_id"),
        "ticketing_travel_records",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ticketing_travel_records_operator_id"),
        "ticketing_travel_records",
        ["operator_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ticketing_travel_records_pass_id"),
        "ticketing_travel_records",
        ["pass_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ticketing_travel_records_product_id"),
        "ticketing_travel_records",
        ["product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ticketing_travel_records_tapped_at"),
        "ticketing_travel_records",
        ["tapped_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_ticketing_travel_records_tapped_at"), table_name="ticketing_travel_records"
    )
    op.drop_index(
        op.f("ix_ticketing_travel_records_product_id"), table_name="ticketing_travel_records"
    )
    op.drop_index(
        op.f("ix_ticketing_travel_records_pass_id"), table_name="ticketing_travel_records"
    )
    op.drop_index(
        op.f("ix_ticketing_travel_records_operator_id"), table_name="ticketing_travel_records"
    )
    op.drop_index(
        op.f("ix_ticketing_travel_records_account_id"), table_name="ticketing_travel_records"
    )
    op.drop_table("ticketing_travel_records")
    op.drop_index(op.f("ix_ticketing_refunds_order_id"), table_name="ticketing_refunds")
    op.drop_table("ticketing_refunds")
    op.drop_index(op.f("ix_ticketing_passes_order_id"), table_name="ticketing_passes")
    op.drop_index(op.f("ix_ticketing_passes_account_id"), table_name="ticketing_passes")
    op.drop_table("ticketing_passes")
    op.drop_index(op.f("ix_ticketing_payments_order_id"), table_name="ticketing_payments")
    op.drop_table("ticketing_payments")
    op.drop_index(op.f("ix_ticketing_order_lines_product_id"), table_name="ticketing_order_lines")
    op.drop_table("ticketing_order_lines")
    op.drop_index(op.f("ix_ticketing_orders_status"), table_name="ticketing_orders")
    op.drop_index(op.f("ix_ticketing_orders_account_id"), table_name="ticketing_orders")
    op.drop_table("ticketing_orders")
    op.drop_index(
        op.f("ix_ticketing_provider_events_intent_id"), table_name="ticketing_provider_events"
    )
    op.drop_table("ticketing_provider_events")
    op.drop_index(op.f("ix_mobility_outbox_delivered_at"), table_name="mobility_outbox")
    op.drop_index(op.f("ix_mobility_outbox_available_at"), table_name="mobility_outbox")
    op.drop_table("mobility_outbox")
    op.drop_index(op.f("ix_access_pass_tokens_pass_id"), table_name="access_pass_tokens")
    op.drop_table("access_pass_tokens")
