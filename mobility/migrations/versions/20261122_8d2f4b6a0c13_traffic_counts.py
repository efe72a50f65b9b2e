"""traffic counts

Revision ID: 8d2f4b6a0c13
Revises: 3c5e7a9b1d20
Create Date: 2026-11-22 06:11:09

Detectors (optionally on a link of a road network: SET NULL when the network goes, so counts
outlive re-imported networks), raw counts unique per (detector, class, interval start), the
import batches with their rejected rows and findings, and the 15-minute and hourly aggregates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d2f4b6a0c13"
down_revision: str | None = "3c5e7a9b1d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AGGREGATES = ("traffic_counts_15min", "traffic_counts_hourly")


def _class_column() -> sa.Column:
    return sa.Column(
        "vehicle_class",
        sa.Enum(
            "car", "truck", "bus", "motorcycle", "all",
            name="vehicleclass", native_enum=False, length=16,
        ),
        nullable=False,
    )  # fmt: skip


def _batch_fk(table: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["batch_id"],
        ["traffic_count_batches.id"],
        name=op.f(f"fk_{table}_batch_id_traffic_count_batches"),
        ondelete=ondelete,
    )


def _detector_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["detector_id"],
        ["traffic_detectors.id"],
        name=op.f(f"fk_{table}_detector_id_traffic_detectors"),
        ondelete="CASCADE",
    )


def _index(table: str, *columns: str, name: str | None = None) -> None:
    op.create_index(name or op.f(f"ix_{table}_{columns[0]}"), table, list(columns))


def upgrade() -> None:
    op.create_table(
        "traffic_detectors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("lanes", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "interval_s > 0 AND 3600 % interval_s = 0",
            name=op.f("ck_traffic_detectors_interval_tiles_hour"),
        ),
        sa.CheckConstraint(
            "lanes IS NULL OR lanes > 0", name=op.f("ck_traffic_detectors_lanes_positive")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["traffic_links.id"],
            name=op.f("fk_traffic_detectors_link_id_traffic_links"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["traffic_networks.id"],
            name=op.f("fk_traffic_detectors_network_id_traffic_networks"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_detectors")),
        sa.UniqueConstraint("code", name=op.f("uq_traffic_detectors_code")),
        sqlite_autoincrement=True,
    )  # fmt: skip
    _index("traffic_detectors", "link_id")
    _index("traffic_detectors", "network_id")

    op.create_table(
        "traffic_count_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "channel",
            sa.Enum("file", "api", name="batchchannel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("replace", sa.Boolean(), nullable=False),
        sa.Column("register_detectors", sa.Boolean(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "rows_total", "accepted", "replaced", "duplicates", "rejected", "flagged",
                "gaps", "detectors_registered",
            )
        ),
        sa.Column("first_interval", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_interval", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_count_batches")),
        sqlite_autoincrement=True,
    )  # fmt: skip
    _index("traffic_count_batches", "source_sha256")

    op.create_table(
        "traffic_counts",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("detector_id", sa.Integer(), nullable=False),
        _class_column(),
        sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_traffic_counts_count_not_negative")),
        sa.CheckConstraint("interval_s > 0", name=op.f("ck_traffic_counts_interval_positive")),
        _batch_fk("traffic_counts", ondelete=None),
        _detector_fk("traffic_counts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_counts")),
        sa.UniqueConstraint(
            "detector_id", "vehicle_class", "interval_start",
            name=op.f("uq_traffic_counts_detector_id_vehicle_class_interval_start"),
        ),
        sqlite_autoincrement=True,
    )  # fmt: skip
    _index("traffic_counts", "batch_id")

    op.create_table(
        "traffic_count_rejected_rows",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("rejected", "ignored", name="rowoutcome", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _batch_fk("traffic_count_rejected_rows"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_count_rejected_rows")),
        sqlite_autoincrement=True,
    )
    _index("traffic_count_rejected_rows", "batch_id")

    op.create_table(
        "traffic_count_findings",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("detector_id", sa.Integer(), nullable=False),
        _class_column(),
        sa.Column(
            "kind",
            sa.Enum("gap", "stuck", "zero_run", name="findingkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        _batch_fk("traffic_count_findings"),
        _detector_fk("traffic_count_findings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_count_findings")),
        sqlite_autoincrement=True,
    )
    _index("traffic_count_findings", "batch_id")

    for table in _AGGREGATES:
        op.create_table(
            table,
            sa.Column("detector_id", sa.Integer(), nullable=False),
            _class_column(),
            sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("volume", sa.Integer(), nullable=False),
            sa.Column("mean_speed_kmh", sa.Float(), nullable=True),
            sa.Column("observed_intervals", sa.Integer(), nullable=False),
            sa.Column("expected_intervals", sa.Integer(), nullable=False),
            sa.Column("completeness", sa.Float(), nullable=False),
            sa.Column("flags", sa.Integer(), nullable=False),
            _detector_fk(table),
            sa.PrimaryKeyConstraint(
                "detector_id", "vehicle_class", "period_start", name=op.f(f"pk_{table}")
            ),
        )
        _index(table, "period_start", name=f"ix_{table}_period_start")


def downgrade() -> None:
    for table in _AGGREGATES:
        op.drop_index(f"ix_{table}_period_start", table_name=table)
        op.drop_table(table)
    for table in ("traffic_count_findings", "traffic_count_rejected_rows", "traffic_counts"):
        op.drop_index(op.f(f"ix_{table}_batch_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(
        op.f("ix_traffic_count_batches_source_sha256"), table_name="traffic_count_batches"
    )
    op.drop_table("traffic_count_batches")
    op.drop_index(op.f("ix_traffic_detectors_network_id"), table_name="traffic_detectors")
    op.drop_index(op.f("ix_traffic_detectors_link_id"), table_name="traffic_detectors")
    op.drop_table("traffic_detectors")
