"""background jobs

Revision ID: a8e5c2d64f75
Revises: f7d4b1c53e64
Create Date: 2026-11-22 08:30:00

Background jobs run by the worker processes. Nothing to create: the job queues live in Redis
(Dramatiq), and what must survive a broker's loss is the outbox's `mobility_outbox` table,
created with the orders. The revision stays in the chain as a no-op.
"""

from collections.abc import Sequence

revision: str = "a8e5c2d64f75"
down_revision: str | None = "f7d4b1c53e64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing: see the module docstring."""


def downgrade() -> None:
    """Nothing: see the module docstring."""
