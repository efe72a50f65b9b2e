"""freight fleet plans gate slots

Revision ID: d5b2f9a31c42
Revises: c4a1e8f20b31
Create Date: 2026-11-22 08:30:00

Fleet-plan jobs of logistics firms and truck appointment slots at terminal gates.
"""

from collections.abc import Sequence

revision: str = "d5b2f9a31c42"
down_revision: str | None = "c4a1e8f20b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
