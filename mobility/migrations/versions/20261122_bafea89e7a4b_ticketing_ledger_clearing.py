"""ticketing ledger clearing

Revision ID: bafea89e7a4b
Revises: c1cf4182759e
Create Date: 2026-11-22 03:15:00

The ledger's tables have no foreign keys to orders, refunds or taps: they name them by
(kind, reference) strings, so the ledger never blocks (nor is cascaded by) the rows it records.
On PostgreSQL a trigger makes the three tables append-only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bafea89e7a4b"
down_revision: str | None = "c1cf4182759e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    "ticketing_ledger_accounts",
    "ticketing_ledger_transactions",
    "ticketing_ledger_postings",
)
_KINDS = (
    "sale", "refund", "fee", "payg_charge", "cap_adjustment", "best_fare_refund", "settlement",
    "payout", "apportionment",
)


def upgrade() -> None:
    op.create_table(
        "ticketing_ledger_accounts",
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column(
            "type",
            sa.Enum("asset", "liability", "revenue", "expense", name="accounttype",
                    native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ticketing_ledger_accounts")),
    )
    op.create_table(
        "ticketing_ledger_transactions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*_KINDS, name="transactionkind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_ledger_transactions")),
        sa.UniqueConstraint(
            "kind", "reference", name=op.f("uq_ticketing_ledger_transactions_kind_reference")
        ),
    )
    op.create_index(
        op.f("ix_ticketing_ledger_transactions_occurred_at"),
        "ticketing_ledger_transactions",
        ["occurred_at"],
    )
    op.create_table(
        "ticketing_ledger_postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("account_code", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("operator_id", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "amount <> 0", name=op.f("ck_ticketing_ledger_postings_amount_not_zero")
        ),
        sa.ForeignKeyConstraint(
            ["account_code"],
            ["ticketing_ledger_accounts.code"],
            name=op.f("fk_ticketing_ledger_postings_account_code_ticketing_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ticketing_ledger_transactions.id"],
            name=op.f(
                "fk_ticketing_ledger_postings_transaction_id_ticketing_ledger_transactions"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_ledger_postings")),
    )
    for column in ("transaction_id", "product_id", "order_id"):
        op.create_index(
            op.f(f"ix_ticketing_ledger_postings_{column}"),
            "ticketing_ledger_postings",
            [column],
        )
    op.create_index(
        "ix_ticketing_ledger_postings_account_code_currency",
        "ticketing_ledger_postings",
        ["account_code", "currency"],
    )

    if op.get_bind().dialect.name == "postgresql":
        # Append-only, whoever connects: a correction is a new transaction, never an edit.
        # TRUNCATE (a privileged maintenance operation, used by the test suite) stays possible.
        op.execute(
            """
            CREATE FUNCTION ticketing_ledger_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ticketing_ledger_append_only()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ticketing_ledger_append_only()")
    op.drop_index(
        "ix_ticketing_ledger_postings_account_code_currency",
        table_name="ticketing_ledger_postings",
    )
    for column in ("order_id", "product_id", "transaction_id"):
        op.drop_index(
            op.f(f"ix_ticketing_ledger_postings_{column}"), table_name="ticketing_ledger_postings"
        )
    op.drop_table("ticketing_ledger_postings")
    op.drop_index(
        op.f("ix_ticketing_ledger_transactions_occurred_at"),
        table_name="ticketing_ledger_transactions",
    )
    op.drop_table("ticketing_ledger_transactions")
    op.drop_table("ticketing_ledger_accounts")
