"""invitations into enterprises (one-time codes stored hashed); MRV verifier acceptance

Revision ID: 0400_invitations
Revises: 0300_supervision
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400_invitations"
down_revision = "0300_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_user_id", sa.Integer(), nullable=True),
        sa.Column("invited_by", sa.String(length=254), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_invitations_park_id_parks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_invitations_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_user_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_invitations_decided_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_invitations_membership_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_enterprise_id_status"), ["enterprise_id", "status"])
        batch_op.create_index(batch_op.f("ix_invitations_park_id"), ["park_id"])
    with op.batch_alter_table("mrv_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verifier_accepted_at", sa.DateTime(timezone=True), nullable=True))
    # A case the enterprise has already submitted to its verifier counts as accepted (submitting is an
    # enterprise-admin act); a verifier merely named on an open case waits for the enterprise.
    op.execute(
        "UPDATE mrv_cases SET verifier_accepted_at = submitted_at "
        "WHERE verifier_organisation_id IS NOT NULL AND submitted_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("mrv_cases", schema=None) as batch_op:
        batch_op.drop_column("verifier_accepted_at")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_park_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_enterprise_id_status"))
    op.drop_table("invitations")
