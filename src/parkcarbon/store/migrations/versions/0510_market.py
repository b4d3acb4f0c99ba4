"""market: provider profiles, qualifications and evidence, listings, requests, sealed bids, orders, ratings
(issue 15, 服务生态端)

Revision ID: 0510_market
Revises: 0500_tlog
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0510_market"
down_revision = "0500_tlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_market_documents_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_documents_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_documents")),
    )
    with op.batch_alter_table("market_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_documents_park_id"), ["park_id"], unique=False)

    op.create_table(
        "market_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("shelf", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("price_model", sa.String(length=16), nullable=False),
        sa.Column("list_price_cny", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("price_unit", sa.String(length=40), nullable=True),
        sa.Column(
            "regions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "qualification_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_listings_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_market_listings_provider_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_listings")),
    )
    with op.batch_alter_table("market_listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_listings_park_id_category_status"),
            ["park_id", "category", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_market_listings_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "market_provider_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_market_provider_profiles_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_market_provider_profiles_park_id_parks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_provider_profiles")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_market_provider_profiles_organisation_id")),
    )
    with op.batch_alter_table("market_provider_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_provider_profiles_park_id"), ["park_id"], unique=False)

    op.create_table(
        "market_qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["market_documents.id"],
            name=op.f("fk_market_qualifications_document_id_market_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_market_qualifications_park_id_parks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_market_qualifications_provider_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_qualifications")),
    )
    with op.batch_alter_table("market_qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_qualifications_park_id"), ["park_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_market_qualifications_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "market_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("budget_ceiling_cny", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("award_rule", sa.String(length=16), nullable=False),
        sa.Column("procurement_object", sa.String(length=16), nullable=False),
        sa.Column(
            "weights",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("min_valid_bids", sa.Integer(), nullable=False),
        sa.Column(
            "invited_provider_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("awarded_bid_id", sa.Integer(), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("award_reason", sa.String(length=1000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_market_requests_enterprise_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name=op.f("fk_market_requests_listing_id_market_listings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_requests_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_requests")),
    )
    with op.batch_alter_table("market_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_requests_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_market_requests_park_id_status"), ["park_id", "status"], unique=False
        )

    op.create_table(
        "market_bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("amount_cny", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compliant", sa.Boolean(), nullable=False),
        sa.Column("technical_score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("service_score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("evaluation_note", sa.String(length=1000), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_bids_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_market_bids_provider_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["market_requests.id"],
            name=op.f("fk_market_bids_request_id_market_requests"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_bids")),
        sa.UniqueConstraint("request_id", "provider_id", name=op.f("uq_market_bids_request_id_provider_id")),
    )
    with op.batch_alter_table("market_bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_bids_park_id"), ["park_id"], unique=False)

    op.create_table(
        "market_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("amount_cny", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_note", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["market_bids.id"],
            name=op.f("fk_market_orders_bid_id_market_bids"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_market_orders_enterprise_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["access_grants.id"],
            name=op.f("fk_market_orders_grant_id_access_grants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_orders_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_market_orders_provider_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["market_requests.id"],
            name=op.f("fk_market_orders_request_id_market_requests"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_orders")),
        sa.UniqueConstraint("request_id", name=op.f("uq_market_orders_request_id")),
    )
    with op.batch_alter_table("market_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_orders_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_orders_park_id"), ["park_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_orders_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "market_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=False),
        sa.Column("rated_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_market_ratings_enterprise_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["market_orders.id"],
            name=op.f("fk_market_ratings_order_id_market_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_market_ratings_park_id_parks"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_market_ratings_provider_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_ratings")),
        sa.UniqueConstraint("order_id", name=op.f("uq_market_ratings_order_id")),
    )
    with op.batch_alter_table("market_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_ratings_park_id"), ["park_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_ratings_provider_id"), ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("market_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_ratings_provider_id"))
        batch_op.drop_index(batch_op.f("ix_market_ratings_park_id"))

    op.drop_table("market_ratings")
    with op.batch_alter_table("market_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_orders_provider_id"))
        batch_op.drop_index(batch_op.f("ix_market_orders_park_id"))
        batch_op.drop_index(batch_op.f("ix_market_orders_enterprise_id"))

    op.drop_table("market_orders")
    with op.batch_alter_table("market_bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_bids_park_id"))

    op.drop_table("market_bids")
    with op.batch_alter_table("market_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_requests_park_id_status"))
        batch_op.drop_index(batch_op.f("ix_market_requests_enterprise_id"))

    op.drop_table("market_requests")
    with op.batch_alter_table("market_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_qualifications_provider_id"))
        batch_op.drop_index(batch_op.f("ix_market_qualifications_park_id"))

    op.drop_table("market_qualifications")
    with op.batch_alter_table("market_provider_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_provider_profiles_park_id"))

    op.drop_table("market_provider_profiles")
    with op.batch_alter_table("market_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_listings_provider_id"))
        batch_op.drop_index(batch_op.f("ix_market_listings_park_id_category_status"))

    op.drop_table("market_listings")
    with op.batch_alter_table("market_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_documents_park_id"))

    op.drop_table("market_documents")
