"""traffic network demand

Revision ID: 3c5e7a9b1d20
Revises: bafea89e7a4b
Create Date: 2026-11-22 06:08:06

The road network (networks, nodes, links, zones) and the demand on it (vehicle classes, time
periods, demand matrices and their cells). Nodes and zones are keyed by (network, id of the
file); links and zones refer to their nodes by composite keys, so a network is deleted by one
DELETE of its row (everything below cascades).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c5e7a9b1d20"
down_revision: str | None = "bafea89e7a4b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def _node_fk(column: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id", column],
        ["traffic_nodes.network_id", "traffic_nodes.node_id"],
        name=name,
        ondelete="CASCADE",
    )


def _network_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["network_id"],
        ["traffic_networks.id"],
        name=op.f(f"fk_{table}_network_id_traffic_networks"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "traffic_networks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("crs", sa.String(length=200), nullable=False),
        sa.Column("units", sa.String(length=200), nullable=False),
        sa.Column("first_thru_node", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_networks")),
        sa.UniqueConstraint("name", name=op.f("uq_traffic_networks_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "traffic_periods",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_traffic_periods")),
    )
    op.create_table(
        "traffic_vehicle_classes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pce", sa.Float(), nullable=False),
        sa.CheckConstraint("pce > 0", name=op.f("ck_traffic_vehicle_classes_pce_positive")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_traffic_vehicle_classes")),
    )
    op.create_table(
        "traffic_nodes",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("is_zone", sa.Boolean(), nullable=False),
        _network_fk("traffic_nodes"),
        sa.PrimaryKeyConstraint("network_id", "node_id", name=op.f("pk_traffic_nodes")),
    )
    op.create_table(
        "traffic_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("link_index", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("from_node", sa.Integer(), nullable=False),
        sa.Column("to_node", sa.Integer(), nullable=False),
        sa.Column("length", sa.Float(), nullable=False),
        sa.Column("free_flow_time", sa.Float(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("lanes", sa.Integer(), nullable=True),
        sa.Column("link_type", sa.Integer(), nullable=True),
        sa.Column("toll", sa.Float(), nullable=False),
        sa.Column("vdf_alpha", sa.Float(), nullable=False),
        sa.Column("vdf_beta", sa.Float(), nullable=False),
        sa.Column("is_connector", sa.Boolean(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_traffic_links_capacity_not_negative")),
        sa.CheckConstraint(
            "free_flow_time >= 0", name=op.f("ck_traffic_links_free_flow_time_not_negative")
        ),
        _node_fk("from_node", op.f("fk_traffic_links_from_node_traffic_nodes")),
        _node_fk("to_node", op.f("fk_traffic_links_to_node_traffic_nodes")),
        _network_fk("traffic_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_links")),
        sa.UniqueConstraint(
            "network_id", "link_index", name=op.f("uq_traffic_links_network_id_link_index")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_traffic_links_network_id_from_node_to_node",
        "traffic_links",
        ["network_id", "from_node", "to_node"],
    )
    op.create_table(
        "traffic_zones",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("centroid_node", sa.Integer(), nullable=False),
        _node_fk("centroid_node", op.f("fk_traffic_zones_centroid_node_traffic_nodes")),
        _network_fk("traffic_zones"),
        sa.PrimaryKeyConstraint("network_id", "zone_id", name=op.f("pk_traffic_zones")),
    )
    op.create_table(
        "traffic_demand_matrices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("class_code", sa.String(length=32), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("total_trips", sa.Float(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["class_code"],
            ["traffic_vehicle_classes.code"],
            name=op.f("fk_traffic_demand_matrices_class_code_traffic_vehicle_classes"),
        ),
        _network_fk("traffic_demand_matrices"),
        sa.ForeignKeyConstraint(
            ["period_code"],
            ["traffic_periods.code"],
            name=op.f("fk_traffic_demand_matrices_period_code_traffic_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_demand_matrices")),
        sa.UniqueConstraint(
            "network_id",
            "class_code",
            "period_code",
            name=op.f("uq_traffic_demand_matrices_network_id_class_code_period_code"),
        ),
        sqlite_autoincrement=True,
    )
    for column in ("class_code", "period_code"):
        op.create_index(
            op.f(f"ix_traffic_demand_matrices_{column}"), "traffic_demand_matrices", [column]
        )
    op.create_table(
        "traffic_demand_cells",
        sa.Column("matrix_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("destination", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("trips", sa.Float(), nullable=False),
        sa.CheckConstraint("trips >= 0", name=op.f("ck_traffic_demand_cells_trips_not_negative")),
        sa.ForeignKeyConstraint(
            ["matrix_id"],
            ["traffic_demand_matrices.id"],
            name=op.f("fk_traffic_demand_cells_matrix_id_traffic_demand_matrices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "matrix_id", "origin", "destination", name=op.f("pk_traffic_demand_cells")
        ),
    )


def downgrade() -> None:
    op.drop_table("traffic_demand_cells")
    for column in ("period_code", "class_code"):
        op.drop_index(
            op.f(f"ix_traffic_demand_matrices_{column}"), table_name="traffic_demand_matrices"
        )
    op.drop_table("traffic_demand_matrices")
    op.drop_table("traffic_zones")
    op.drop_index("ix_traffic_links_network_id_from_node_to_node", table_name="traffic_links")
    op.drop_table("traffic_links")
    op.drop_table("traffic_nodes")
    op.drop_table("traffic_vehicle_classes")
    op.drop_table("traffic_periods")
    op.drop_table("traffic_networks")
