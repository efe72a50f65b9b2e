"""traffic congestion levels

Revision ID: e6c3a0b42d53
Revises: d5b2f9a31c42
Create Date: 2026-11-22 08:30:00

Congestion levels per zone and time band published from scenario results: the weekdays of a
time period, levels per zone of a scenario, publications, and the traffic-to-fare zone map.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6c3a0b42d53"
down_revision: str | None = "d5b2f9a31c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALL_WEEKDAYS = "mon,tue,wed,thu,fri,sat,sun"


def upgrade() -> None:
    op.add_column(
        "traffic_periods",
        sa.Column("weekdays", sa.String(length=32), server_default=_ALL_WEEKDAYS, nullable=False),
    )
    op.create_table(
        "traffic_congestion_zones",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("voc", sa.Float(), nullable=False),
        sa.Column("travel_time_index", sa.Float(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "free", "moderate", "heavy", "severe",
                name="congestionlevel", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.CheckConstraint("voc >= 0", name=op.f("ck_traffic_congestion_zones_voc_not_negative")),
        sa.CheckConstraint(
            "travel_time_index >= 0", name=op.f("ck_traffic_congestion_zones_tti_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["traffic_scenarios.id"],
            name=op.f("fk_traffic_congestion_zones_scenario_id_traffic_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scenario_id", "zone_id", name=op.f("pk_traffic_congestion_zones")),
    )  # fmt: skip
    op.create_table(
        "traffic_congestion_publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["traffic_scenarios.id"],
            name=op.f("fk_traffic_congestion_publications_scenario_id_traffic_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_code"], ["traffic_periods.code"],
            name=op.f("fk_traffic_congestion_publications_period_code_traffic_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_congestion_publications")),
        sqlite_autoincrement=True,
    )  # fmt: skip
    op.create_index(
        op.f("ix_traffic_congestion_publications_scenario_id"),
        "traffic_congestion_publications",
        ["scenario_id"],
    )
    op.create_index(
        op.f("ix_traffic_congestion_publications_period_code"),
        "traffic_congestion_publications",
        ["period_code"],
    )
    op.create_table(
        "traffic_fare_zone_map",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fare_zone_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["traffic_networks.id"],
            name=op.f("fk_traffic_fare_zone_map_network_id_traffic_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "zone_id", name=op.f("pk_traffic_fare_zone_map")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("traffic_fare_zone_map")
    op.drop_index(
        op.f("ix_traffic_congestion_publications_period_code"),
        table_name="traffic_congestion_publications",
    )
    op.drop_index(
        op.f("ix_traffic_congestion_publications_scenario_id"),
        table_name="traffic_congestion_publications",
    )
    op.drop_table("traffic_congestion_publications")
    op.drop_table("traffic_congestion_zones")
    with op.batch_alter_table("traffic_periods") as batch:
        batch.drop_column("weekdays")
