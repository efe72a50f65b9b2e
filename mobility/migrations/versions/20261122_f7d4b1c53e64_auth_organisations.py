"""auth organisations

Revision ID: f7d4b1c53e64
Revises: e6c3a0b42d53
Create Date: 2026-11-22 08:30:00

Organisations (logistics firms, operators) and their members.
"""

from collections.abc import Sequence

revision: str = "f7d4b1c53e64"
down_revision: str | None = "e6c3a0b42d53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
