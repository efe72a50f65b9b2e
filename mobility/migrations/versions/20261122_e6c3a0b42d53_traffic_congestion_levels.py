"""traffic congestion levels

Revision ID: e6c3a0b42d53
Revises: d5b2f9a31c42
Create Date: 2026-11-22 08:30:00

Congestion levels per zone and time band published from scenario results.
"""

from collections.abc import Sequence

revision: str = "e6c3a0b42d53"
down_revision: str | None = "d5b2f9a31c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
