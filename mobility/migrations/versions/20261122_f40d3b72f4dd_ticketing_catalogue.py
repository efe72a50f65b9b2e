"""ticketing catalogue

Revision ID: f40d3b72f4dd
Revises: 6edb670dcb82
Create Date: 2026-11-22 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f40d3b72f4dd"
down_revision: str | None = "6edb670dcb82"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = sa.text("status = 'current'")


def _version_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["version_id"],
        ["ticketing_tariff_versions.id"],
        name=op.f(f"fk_{table}_version_id_ticketing_tariff_versions"),
    )


def upgrade() -> None:
    op.create_table(
        "ticketing_tariff_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("authority_id", sa.String(length=64), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "current", "superseded", name="tariffversionstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_tariff_versions")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_ticketing_tariff_versions_authority_id"),
        "ticketing_tariff_versions",
        ["authority_id"],
        unique=False,
    )
    # At most one current version per authority, on both databases (partial unique index).
    op.create_index(
        "uq_ticketing_tariff_versions_current",
        "ticketing_tariff_versions",
        ["authority_id"],
        unique=True,
        postgresql_where=_CURRENT,
        sqlite_where=_CURRENT,
    )
    op.create_table(
        "ticketing_operators",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("modes", sa.Text(), nullable=False),
        sa.Column("gtfs", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        _version_fk("ticketing_operators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_operators")),
    )
    op.create_table(
        "ticketing_rider_categories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("requires_proof", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("gtfs_rider_category_id", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        _version_fk("ticketing_rider_categories"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_rider_categories")),
    )
    op.create_table(
        "ticketing_zones",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gtfs", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        _version_fk("ticketing_zones"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_zones")),
    )
    op.create_table(
        "ticketing_products",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("service_days", sa.Integer(), nullable=True),
        sa.Column("rides", sa.Integer(), nullable=True),
        sa.Column("from_zone_id", sa.String(length=64), nullable=True),
        sa.Column("to_zone_id", sa.String(length=64), nullable=True),
        sa.Column("facility_id", sa.String(length=64), nullable=True),
        sa.Column("operators", sa.Text(), nullable=False),
        sa.Column("networks", sa.Text(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_zone_id"],
            ["ticketing_zones.id"],
            name=op.f("fk_ticketing_products_from_zone_id_ticketing_zones"),
        ),
        sa.ForeignKeyConstraint(
            ["to_zone_id"],
            ["ticketing_zones.id"],
            name=op.f("fk_ticketing_products_to_zone_id_ticketing_zones"),
        ),
        _version_fk("ticketing_products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_products")),
    )
    op.create_index(
        op.f("ix_ticketing_products_active"), "ticketing_products", ["active"], unique=False
    )
    op.create_index(
        op.f("ix_ticketing_products_kind"), "ticketing_products", ["kind"], unique=False
    )
    op.create_table(
        "ticketing_product_prices",
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("rider_category_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.CheckConstraint(
            "amount >= 0", name=op.f("ck_ticketing_product_prices_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["ticketing_products.id"],
            name=op.f("fk_ticketing_product_prices_product_id_ticketing_products"),
        ),
        sa.ForeignKeyConstraint(
            ["rider_category_id"],
            ["ticketing_rider_categories.id"],
            name=op.f("fk_ticketing_product_prices_rider_category_id_ticketing_rider_categories"),
        ),
        sa.PrimaryKeyConstraint(
            "product_id", "rider_category_id", name=op.f("pk_ticketing_product_prices")
        ),
    )
    op.create_table(
        "ticketing_congestion_band_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_congestion_band_sets")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_ticketing_congestion_band_sets_effective_from"),
        "ticketing_congestion_band_sets",
        ["effective_from"],
        unique=False,
    )
    op.create_table(
        "ticketing_congestion_bands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.String(length=64), nullable=False),
        sa.Column("weekdays", sa.String(length=32), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("end_time", sa.String(length=5), nullable=False),
        sa.Column("adjustment_bp", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "adjustment_bp >= -10000 AND adjustment_bp <= 10000",
            name=op.f("ck_ticketing_congestion_bands_adjustment_range"),
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["ticketing_congestion_band_sets.id"],
            name=op.f("fk_ticketing_congestion_bands_set_id_ticketing_congestion_band_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["ticketing_zones.id"],
            name=op.f("fk_ticketing_congestion_bands_zone_id_ticketing_zones"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticketing_congestion_bands")),
    )
    op.create_index(
        op.f("ix_ticketing_congestion_bands_set_id"),
        "ticketing_congestion_bands",
        ["set_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_ticketing_congestion_bands_set_id"), table_name="ticketing_congestion_bands"
    )
    op.drop_table("ticketing_congestion_bands")
    op.drop_index(
        op.f("ix_ticketing_congestion_band_sets_effective_from"),
        table_name="ticketing_congestion_band_sets",
    )
    op.drop_table("ticketing_congestion_band_sets")
    op.drop_table("ticketing_product_prices")
    op.drop_index(op.f("ix_ticketing_products_kind"), table_name="ticketing_products")
    op.drop_index(op.f("ix_ticketing_products_active"), table_name="ticketing_products")
    op.drop_table("ticketing_products")
    op.drop_table("ticketing_zones")
    op.drop_table("ticketing_rider_categories")
    op.drop_table("ticketing_operators")
    op.drop_index("uq_ticketing_tariff_versions_current", table_name="ticketing_tariff_versions")
    op.drop_index(
        op.f("ix_ticketing_tariff_versions_authority_id"), table_name="ticketing_tariff_versions"
    )
    op.drop_table("ticketing_tariff_versions")
