"""freight bookings

Revision ID: c4a1e8f20b31
Revises: 9b4d2f6e8a17
Create Date: 2026-11-22 08:30:00

Intermodal freight: cargo restrictions and bookings of capacity on dated service departures.
Terminals, links and services say which cargo they take beyond dry general cargo (`accepts`:
reefer, hazardous); a data set version keeps its first/last-mile road formula; bookings, the
TEU each holds per dated departure, and the capacity booked on each dated departure.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a1e8f20b31"
down_revision: str | None = "9b4d2f6e8a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCEPTS = ("freight_terminals", "freight_links", "freight_services")


def upgrade() -> None:
    for table in _ACCEPTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("accepts", sa.String(length=32), server_default="", nullable=False)
            )
    with op.batch_alter_table("freight_dataset_versions") as batch:
        batch.add_column(sa.Column("road_access", sa.JSON(), nullable=True))
    op.create_table(
        "freight_departure_capacity",
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("departure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity_teu", sa.Integer(), nullable=False),
        sa.Column("booked_teu", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked_teu >= 0", name=op.f("ck_freight_departure_capacity_booked_not_negative")
        ),
        sa.CheckConstraint(
            "booked_teu <= capacity_teu",
            name=op.f("ck_freight_departure_capacity_not_overbooked"),
        ),
        sa.PrimaryKeyConstraint(
            "service_code", "departure_at", name=op.f("pk_freight_departure_capacity")
        ),
    )
    op.create_table(
        "freight_bookings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("confirmed", "cancelled", name="bookingstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("teu", sa.Integer(), nullable=False),
        sa.Column("cargo_flags", sa.String(length=32), nullable=False),
        sa.Column("gross_weight_t", sa.Float(), nullable=True),
        sa.Column("cost_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("co2e_g", sa.Integer(), nullable=False),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("teu > 0", name=op.f("ck_freight_bookings_teu_positive")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["freight_dataset_versions.id"],
            name=op.f("fk_freight_bookings_version_id_freight_dataset_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_bookings")),
        sa.UniqueConstraint(
            "organisation_id",
            "idempotency_key",
            name=op.f("uq_freight_bookings_organisation_id_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_freight_bookings_organisation_id"), "freight_bookings", ["organisation_id"]
    )
    op.create_table(
        "freight_booking_reservations",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("departure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("teu", sa.Integer(), nullable=False),
        sa.CheckConstraint("teu > 0", name=op.f("ck_freight_booking_reservations_teu_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["freight_bookings.id"],
            name=op.f("fk_freight_booking_reservations_booking_id_freight_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("booking_id", "seq", name=op.f("pk_freight_booking_reservations")),
    )


def downgrade() -> None:
    op.drop_table("freight_booking_reservations")
    op.drop_index(op.f("ix_freight_bookings_organisation_id"), table_name="freight_bookings")
    op.drop_table("freight_bookings")
    op.drop_table("freight_departure_capacity")
    with op.batch_alter_table("freight_dataset_versions") as batch:
        batch.drop_column("road_access")
    for table in _ACCEPTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("accepts")
