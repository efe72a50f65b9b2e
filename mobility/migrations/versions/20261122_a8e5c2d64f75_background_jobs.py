"""background jobs

Revision ID: a8e5c2d64f75
Revises: f7d4b1c53e64
Create Date: 2026-11-22 08:30:00

Background jobs run by the worker processes.
"""

from collections.abc import Sequence

revision: str = "a8e5c2d64f75"
down_revision: str | None = "f7d4b1c53e64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
