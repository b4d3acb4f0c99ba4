"""assets: the enterprise's carbon-asset journal (issue 18)

``asset_transactions`` (one lot per transaction, the rules used stored with it) and
``asset_serial_ranges`` (the serial ranges a CCER or GEC transaction moved). Evidence: ``RESTRICT`` from
parks and organisations.

Revision ID: 0520_assets
Revises: 0510_market
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0520_assets"
down_revision = "0510_market"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "asset_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=True),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("methodology", sa.String(length=64), nullable=True),
        sa.Column("technology", sa.String(length=32), nullable=True),
        sa.Column("production_month", sa.Date(), nullable=True),
        sa.Column("tradable", sa.Boolean(), nullable=True),
        sa.Column("contract", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("compliance_year", sa.Integer(), nullable=True),
        sa.Column("price_cny", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("counterparty", sa.String(length=254), nullable=True),
        sa.Column("reference", sa.String(length=254), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("rules_used", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["enterprise_documents.id"],
            name=op.f("fk_asset_transactions_document_id_enterprise_documents"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["organisations.id"],
            name=op.f("fk_asset_transactions_enterprise_id_organisations"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_asset_transactions_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_transactions")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_asset_transactions_park_id_enterprise_id_value_date"),
        "asset_transactions",
        ["park_id", "enterprise_id", "value_date"],
    )
    op.create_index(
        op.f("ix_asset_transactions_park_id_instrument"), "asset_transactions", ["park_id", "instrument"]
    )
    op.create_table(
        "asset_serial_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("block", sa.String(length=64), nullable=False),
        sa.Column("serial_start", sa.BigInteger(), nullable=False),
        sa.Column("serial_end", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_asset_serial_ranges_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["asset_transactions.id"],
            name=op.f("fk_asset_serial_ranges_transaction_id_asset_transactions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_serial_ranges")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_asset_serial_ranges_park_id_block_serial_start"),
        "asset_serial_ranges",
        ["park_id", "block", "serial_start"],
    )
    op.create_index(op.f("ix_asset_serial_ranges_transaction_id"), "asset_serial_ranges", ["transaction_id"])


def downgrade() -> None:
    op.drop_table("asset_serial_ranges")
    op.drop_table("asset_transactions")
