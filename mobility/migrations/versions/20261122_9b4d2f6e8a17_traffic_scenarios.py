"""traffic scenarios

Revision ID: 9b4d2f6e8a17
Revises: 5e1a7c3d9f02
Create Date: 2026-11-22 07:25:00

Scenarios of the road network (a base network and period plus changes, with the state of their
run) and their results per link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b4d2f6e8a17"
down_revision: str | None = "5e1a7c3d9f02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESULTS = "traffic_scenario_link_results"


def upgrade() -> None:
    op.create_table(
        "traffic_scenarios",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(length=32), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("gap_target", sa.Float(), nullable=False),
        sa.Column("length_unit", sa.String(length=8), nullable=False),
        sa.Column("time_unit", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed",
                name="scenariostatus", native_enum=False, length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("iterations", sa.Integer(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("gap_history", sa.JSON(), nullable=True),
        sa.Column("totals", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"], ["traffic_networks.id"],
            name=op.f("fk_traffic_scenarios_network_id_traffic_networks"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_code"], ["traffic_periods.code"],
            name=op.f("fk_traffic_scenarios_period_code_traffic_periods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_scenarios")),
        sqlite_autoincrement=True,
    )  # fmt: skip
    op.create_index(op.f("ix_traffic_scenarios_network_id"), "traffic_scenarios", ["network_id"])
    op.create_table(
        _RESULTS,
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("link_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("from_node", sa.Integer(), nullable=False),
        sa.Column("to_node", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("class_volume", sa.JSON(), nullable=False),
        sa.Column("travel_time", sa.Float(), nullable=False),
        sa.Column("free_flow_time", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("length", sa.Float(), nullable=False),
        sa.Column("voc", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        *(
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("vht", "vkt", "delay_h", "co2_kg", "nox_kg")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["traffic_links.id"],
            name=op.f(f"fk_{_RESULTS}_link_id_traffic_links"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["traffic_scenarios.id"],
            name=op.f(f"fk_{_RESULTS}_scenario_id_traffic_scenarios"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scenario_id", "link_index", name=op.f(f"pk_{_RESULTS}")),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{_RESULTS}_link_id"), _RESULTS, ["link_id"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{_RESULTS}_link_id"), table_name=_RESULTS)
    op.drop_table(_RESULTS)
    op.drop_index(op.f("ix_traffic_scenarios_network_id"), table_name="traffic_scenarios")
    op.drop_table("traffic_scenarios")
