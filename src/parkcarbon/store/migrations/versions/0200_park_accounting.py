"""parks: accounting profile (the park's AccountingOptions)

Revision ID: 0200_park_accounting
Revises: 0100_enterprise
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0200_park_accounting"
down_revision = "0100_enterprise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accounting_options", json_type, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("parks", schema=None) as batch_op:
        batch_op.drop_column("accounting_options")
