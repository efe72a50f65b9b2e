"""auth organisations

Revision ID: f7d4b1c53e64
Revises: e6c3a0b42d53
Create Date: 2026-11-22 08:30:00

Organisations (logistics firms, operators) and their members.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7d4b1c53e64"
down_revision: str | None = "e6c3a0b42d53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at",
        sa.DateTime(timezone=True),
        server_default=sa.text("(CURRENT_TIMESTAMP)"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "auth_organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("logistics", "operator", name="organisationkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("operator_id", sa.String(length=64), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_organisations")),
    )
    with op.batch_alter_table("auth_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_organisations_operator_id"), ["operator_id"], unique=False
        )
    op.create_table(
        "auth_organisation_members",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=320), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "admin", "member", name="memberrole", native_enum=False, length=16),
            nullable=False,
        ),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["auth_organisations.id"],
            name=op.f("fk_auth_organisation_members_organisation_id_auth_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "subject", name=op.f("pk_auth_organisation_members")
        ),
    )
    with op.batch_alter_table("auth_api_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_auth_api_credentials_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_auth_api_credentials_organisation_id_auth_organisations"),
            "auth_organisations",
            ["organisation_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_api_credentials", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_auth_api_credentials_organisation_id_auth_organisations"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_auth_api_credentials_organisation_id"))
        batch_op.drop_column("organisation_id")
    op.drop_table("auth_organisation_members")
    with op.batch_alter_table("auth_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_organisations_operator_id"))
    op.drop_table("auth_organisations")
