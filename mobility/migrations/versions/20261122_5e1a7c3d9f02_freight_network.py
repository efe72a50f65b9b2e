"""freight network

Revision ID: 5e1a7c3d9f02
Revises: 8d2f4b6a0c13
Create Date: 2026-11-22 07:20:00

The area's freight network as loaded from a data file (`mobility freight load`): data set
versions, terminals (stable ids by code) and their opening hours, links per mode, scheduled
rail and sea services with their weekly departures, and the emission factors per mode and per
transshipment with their citations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1a7c3d9f02"
down_revision: str | None = "8d2f4b6a0c13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _version(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["freight_dataset_versions.id"],
            name=op.f(f"fk_{table}_version_id_freight_dataset_versions"),
        ),
    )


def _terminal_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["freight_terminals.id"],
        name=op.f(f"fk_{table}_{column}_freight_terminals"),
    )


def _factor_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["emission_factor"],
        ["freight_emission_factors.code"],
        name=op.f(f"fk_{table}_emission_factor_freight_emission_factors"),
    )


def _documented() -> list[sa.Column]:
    return [
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("estimated", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "freight_dataset_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tonnes_per_teu", sa.Float(), nullable=False),
        sa.Column("transshipment_rule", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_dataset_versions")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "freight_terminals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("modes", sa.String(length=32), nullable=False),
        sa.Column("handling_min", sa.Integer(), nullable=False),
        sa.Column("handling_cost_cents", sa.Integer(), nullable=False),
        sa.Column("gate_capacity_teu_per_hour", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_documented(),
        *_version("freight_terminals"),
        sa.CheckConstraint(
            "handling_min >= 0", name=op.f("ck_freight_terminals_handling_min_not_negative")
        ),
        sa.CheckConstraint(
            "handling_cost_cents >= 0",
            name=op.f("ck_freight_terminals_handling_cost_not_negative"),
        ),
        sa.CheckConstraint(
            "gate_capacity_teu_per_hour > 0",
            name=op.f("ck_freight_terminals_gate_capacity_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_terminals")),
        sa.UniqueConstraint("code", name=op.f("uq_freight_terminals_code")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "freight_terminal_hours",
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("open_min", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("close_min", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_freight_terminal_hours_weekday_range")
        ),
        sa.CheckConstraint(
            "open_min >= 0 AND close_min <= 1440",
            name=op.f("ck_freight_terminal_hours_minutes_range"),
        ),
        sa.CheckConstraint(
            "open_min < close_min", name=op.f("ck_freight_terminal_hours_opens_before_closing")
        ),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["freight_terminals.id"],
            name=op.f("fk_freight_terminal_hours_terminal_id_freight_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "terminal_id", "weekday", "open_min", name=op.f("pk_freight_terminal_hours")
        ),
    )
    op.create_table(
        "freight_emission_factors",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("vehicle", sa.String(length=200), nullable=False),
        sa.Column("g_co2e_per_tkm", sa.Float(), nullable=False),
        sa.Column("scope", sa.String(length=3), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("uncertainty_pct", sa.Integer(), nullable=False),
        sa.Column("data_quality", sa.String(length=16), nullable=False),
        sa.Column("mode_default", sa.Boolean(), nullable=False),
        *_version("freight_emission_factors"),
        sa.CheckConstraint(
            "g_co2e_per_tkm > 0", name=op.f("ck_freight_emission_factors_factor_positive")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_freight_emission_factors")),
    )
    op.create_table(
        "freight_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("from_terminal_id", sa.Integer(), nullable=False),
        sa.Column("to_terminal_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("time_min", sa.Integer(), nullable=False),
        sa.Column("cost_per_teu_cents", sa.Integer(), nullable=False),
        *_documented(),
        sa.Column("emission_factor", sa.String(length=32), nullable=False),
        *_version("freight_links"),
        _factor_fk("freight_links"),
        sa.CheckConstraint("distance_km > 0", name=op.f("ck_freight_links_distance_positive")),
        sa.CheckConstraint("time_min > 0", name=op.f("ck_freight_links_time_positive")),
        sa.CheckConstraint(
            "cost_per_teu_cents >= 0", name=op.f("ck_freight_links_cost_not_negative")
        ),
        _terminal_fk("freight_links", "from_terminal_id"),
        _terminal_fk("freight_links", "to_terminal_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_links")),
        sa.UniqueConstraint(
            "mode",
            "from_terminal_id",
            "to_terminal_id",
            name=op.f("uq_freight_links_mode_from_terminal_id_to_terminal_id"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "freight_services",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("from_terminal_id", sa.Integer(), nullable=False),
        sa.Column("to_terminal_id", sa.Integer(), nullable=False),
        sa.Column("transit_min", sa.Integer(), nullable=False),
        sa.Column("capacity_teu", sa.Integer(), nullable=False),
        sa.Column("cutoff_min", sa.Integer(), nullable=False),
        sa.Column("cost_per_teu_cents", sa.Integer(), nullable=False),
        *_documented(),
        sa.Column("emission_factor", sa.String(length=32), nullable=False),
        *_version("freight_services"),
        _factor_fk("freight_services"),
        sa.CheckConstraint("transit_min > 0", name=op.f("ck_freight_services_transit_positive")),
        sa.CheckConstraint("capacity_teu > 0", name=op.f("ck_freight_services_capacity_positive")),
        sa.CheckConstraint("cutoff_min >= 0", name=op.f("ck_freight_services_cutoff_not_negative")),
        sa.CheckConstraint(
            "cost_per_teu_cents >= 0", name=op.f("ck_freight_services_cost_not_negative")
        ),
        _terminal_fk("freight_services", "from_terminal_id"),
        _terminal_fk("freight_services", "to_terminal_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_services")),
        sa.UniqueConstraint("code", name=op.f("uq_freight_services_code")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "freight_service_departures",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("departure_time", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_freight_service_departures_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["freight_services.id"],
            name=op.f("fk_freight_service_departures_service_id_freight_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "service_id",
            "weekday",
            "departure_time",
            name=op.f("pk_freight_service_departures"),
        ),
    )
    op.create_table(
        "freight_transshipment_factors",
        sa.Column("terminal_kind", sa.String(length=16), nullable=False),
        sa.Column("kg_co2e_per_teu", sa.Float(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("uncertainty_pct", sa.Integer(), nullable=False),
        *_version("freight_transshipment_factors"),
        sa.CheckConstraint(
            "kg_co2e_per_teu >= 0",
            name=op.f("ck_freight_transshipment_factors_factor_not_negative"),
        ),
        sa.PrimaryKeyConstraint("terminal_kind", name=op.f("pk_freight_transshipment_factors")),
    )
    for table in _VERSIONED:
        op.create_index(op.f(f"ix_{table}_version_id"), table, ["version_id"])
    for table, column in _TERMINAL_INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


_VERSIONED = (
    "freight_terminals",
    "freight_links",
    "freight_services",
    "freight_emission_factors",
    "freight_transshipment_factors",
)
_TERMINAL_INDEXES = (
    ("freight_links", "to_terminal_id"),
    ("freight_services", "from_terminal_id"),
    ("freight_services", "to_terminal_id"),
)


def downgrade() -> None:
    for table, column in _TERMINAL_INDEXES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    for table in _VERSIONED:
        op.drop_index(op.f(f"ix_{table}_version_id"), table_name=table)
    for table in (
        "freight_transshipment_factors",
        "freight_service_departures",
        "freight_services",
        "freight_links",
        "freight_emission_factors",
        "freight_terminal_hours",
        "freight_terminals",
        "freight_dataset_versions",
    ):
        op.drop_table(table)
