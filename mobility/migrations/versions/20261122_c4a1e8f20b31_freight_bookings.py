"""freight bookings

Revision ID: c4a1e8f20b31
Revises: 9b4d2f6e8a17
Create Date: 2026-11-22 08:30:00

Intermodal freight: cargo restrictions and bookings of capacity on dated service departures.
"""

from collections.abc import Sequence

revision: str = "c4a1e8f20b31"
down_revision: str | None = "9b4d2f6e8a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
