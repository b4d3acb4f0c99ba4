"""supervision: targets (park and enterprise), economic data, product output, quota mapping, warnings,
notifications, webhook deliveries; enterprise carbon targets move into supervision_targets

Revision ID: 0300_supervision
Revises: 0200_park_accounting
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0300_supervision"
down_revision = "0200_park_accounting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "supervision_settings",
        sa.Column("park_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("intensity_basis", sa.String(length=16), nullable=False),
        sa.Column("key_unit_tce", sa.Float(), nullable=False),
        sa.Column("ets_tco2e", sa.Float(), nullable=False),
        sa.Column("orange_ratio", sa.Float(), nullable=False),
        sa.Column("reraise_growth", sa.Float(), nullable=False),
        sa.Column("intensity_rise_ratio", sa.Float(), nullable=False),
        sa.Column("completeness_min_pct", sa.Float(), nullable=False),
        sa.Column("tariff_region", sa.String(length=8), nullable=True),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_supervision_settings_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("park_id", name=op.f("pk_supervision_settings")),
    )
    op.create_table(
        "supervision_economics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("output_value_10k_cny", sa.Float(), nullable=True),
        sa.Column("value_added_10k_cny", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_economics_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_supervision_economics_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_economics")),
        sa.UniqueConstraint(
            "enterprise_id",
            "year",
            "month",
            "kind",
            name=op.f("uq_supervision_economics_enterprise_id_year_month_kind"),
        ),
    )
    with op.batch_alter_table("supervision_economics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_economics_park_id_year"), ["park_id", "year"], unique=False
        )

    op.create_table(
        "supervision_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("scope_key", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("energy_tce", sa.Float(), nullable=True),
        sa.Column("energy_intensity", sa.Float(), nullable=True),
        sa.Column("carbon_tco2e", sa.Float(), nullable=True),
        sa.Column("carbon_intensity", sa.Float(), nullable=True),
        sa.Column("intensity_basis", sa.String(length=16), nullable=False),
        sa.Column("allocated_by_park", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("set_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "scope_key = coalesce(enterprise_id, 0)", name=op.f("ck_supervision_targets_scope_key")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_targets_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_supervision_targets_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_targets")),
        sa.UniqueConstraint(
            "park_id", "scope_key", "year", name=op.f("uq_supervision_targets_park_id_scope_key_year")
        ),
    )
    with op.batch_alter_table("supervision_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_targets_enterprise_id_year"), ["enterprise_id", "year"], unique=False
        )

    op.create_table(
        "supervision_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("numbers", json_type, nullable=False),
        sa.Column("raise_count", sa.Integer(), nullable=False),
        sa.Column("first_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=254), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.Column("ack_level", sa.String(length=8), nullable=True),
        sa.Column("ack_value", sa.Float(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_warnings_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_supervision_warnings_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_warnings")),
        sa.UniqueConstraint("park_id", "key", name=op.f("uq_supervision_warnings_park_id_key")),
    )
    with op.batch_alter_table("supervision_warnings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_warnings_park_id_status_level"),
            ["park_id", "status", "level"],
            unique=False,
        )

    op.create_table(
        "supervision_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("title_zh", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_supervision_notifications_park_id_parks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_supervision_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["supervision_warnings.id"],
            name=op.f("fk_supervision_notifications_warning_id_supervision_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notifications")),
    )
    with op.batch_alter_table("supervision_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_notifications_park_id_created_at"),
            ["park_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_notifications_user_id_read_at"), ["user_id", "read_at"], unique=False
        )

    op.create_table(
        "supervision_product_benchmarks",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("quota_key", sa.String(length=64), nullable=True),
        sa.Column("energy_share", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_product_benchmarks_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_supervision_product_benchmarks_park_id_parks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["enterprise_products.id"],
            name=op.f("fk_supervision_product_benchmarks_product_id_enterprise_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_supervision_product_benchmarks")),
    )
    with op.batch_alter_table("supervision_product_benchmarks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_product_benchmarks_park_id_quota_key"),
            ["park_id", "quota_key"],
            unique=False,
        )

    op.create_table(
        "supervision_product_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_product_outputs_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_supervision_product_outputs_park_id_parks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["enterprise_products.id"],
            name=op.f("fk_supervision_product_outputs_product_id_enterprise_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_product_outputs")),
        sa.UniqueConstraint(
            "product_id",
            "year",
            "month",
            "kind",
            name=op.f("uq_supervision_product_outputs_product_id_year_month_kind"),
        ),
    )
    with op.batch_alter_table("supervision_product_outputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_product_outputs_enterprise_id_year"),
            ["enterprise_id", "year"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_product_outputs_park_id_year"), ["park_id", "year"], unique=False
        )

    op.create_table(
        "supervision_warning_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_supervision_warning_events_park_id_parks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["supervision_warnings.id"],
            name=op.f("fk_supervision_warning_events_warning_id_supervision_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_warning_events")),
    )
    with op.batch_alter_table("supervision_warning_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_warning_events_park_id"), ["park_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supervision_warning_events_warning_id_at"), ["warning_id", "at"], unique=False
        )

    op.create_table(
        "supervision_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"],
            ["parks.id"],
            name=op.f("fk_supervision_webhook_deliveries_park_id_parks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["supervision_warnings.id"],
            name=op.f("fk_supervision_webhook_deliveries_warning_id_supervision_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_webhook_deliveries")),
    )
    with op.batch_alter_table("supervision_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_webhook_deliveries_park_id_status"),
            ["park_id", "status"],
            unique=False,
        )

    # the enterprise end's carbon targets become the carbon part of the unified targets (one source of
    # truth); they were set by the enterprises themselves, so they are not marked as park allocations
    op.execute(
        "INSERT INTO supervision_targets (park_id, enterprise_id, scope_key, year, carbon_tco2e, "
        "intensity_basis, allocated_by_park, note, set_by, updated_at, created_at) "
        "SELECT park_id, enterprise_id, enterprise_id, year, target_tco2e, 'output_value', false, note, "
        "'migration 0300 (enterprise_targets)', created_at, created_at FROM enterprise_targets"
    )
    with op.batch_alter_table("enterprise_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_targets_park_id"))

    op.drop_table("enterprise_targets")


def downgrade() -> None:
    op.create_table(
        "enterprise_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_tco2e", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_enterprise_targets_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_enterprise_targets_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_targets")),
        sa.UniqueConstraint("enterprise_id", "year", name=op.f("uq_enterprise_targets_enterprise_id_year")),
    )
    with op.batch_alter_table("enterprise_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_targets_park_id"), ["park_id"], unique=False)
    op.execute(
        "INSERT INTO enterprise_targets (park_id, enterprise_id, year, target_tco2e, note, created_at) "
        "SELECT park_id, enterprise_id, year, carbon_tco2e, note, created_at FROM supervision_targets "
        "WHERE enterprise_id IS NOT NULL AND carbon_tco2e IS NOT NULL"
    )

    with op.batch_alter_table("supervision_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_webhook_deliveries_park_id_status"))

    op.drop_table("supervision_webhook_deliveries")
    with op.batch_alter_table("supervision_warning_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_warning_events_warning_id_at"))
        batch_op.drop_index(batch_op.f("ix_supervision_warning_events_park_id"))

    op.drop_table("supervision_warning_events")
    with op.batch_alter_table("supervision_product_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_product_outputs_park_id_year"))
        batch_op.drop_index(batch_op.f("ix_supervision_product_outputs_enterprise_id_year"))

    op.drop_table("supervision_product_outputs")
    with op.batch_alter_table("supervision_product_benchmarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_product_benchmarks_park_id_quota_key"))

    op.drop_table("supervision_product_benchmarks")
    with op.batch_alter_table("supervision_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_notifications_user_id_read_at"))
        batch_op.drop_index(batch_op.f("ix_supervision_notifications_park_id_created_at"))

    op.drop_table("supervision_notifications")
    with op.batch_alter_table("supervision_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_warnings_park_id_status_level"))

    op.drop_table("supervision_warnings")
    with op.batch_alter_table("supervision_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_targets_enterprise_id_year"))

    op.drop_table("supervision_targets")
    with op.batch_alter_table("supervision_economics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_economics_park_id_year"))

    op.drop_table("supervision_economics")
    op.drop_table("supervision_settings")
