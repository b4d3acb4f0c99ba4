"""readings: meter data, revisions, rollups, meter/gateway status, intake log, activity records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The readings and rollup tables are WITHOUT ROWID on SQLite (clustered by their primary key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "report",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batches")),
    )
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingest_batches_park_id_received_at"), ["park_id", "received_at"], unique=False
        )

    op.create_table(
        "gateway_status",
        sa.Column("park_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_batch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_gateway_status_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("park_id", "gateway", name=op.f("pk_gateway_status")),
    )
    op.create_table(
        "activity_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("use", sa.String(length=16), nullable=True),
        sa.Column("period_start", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("ncv", sa.Float(), nullable=True),
        sa.Column("ncv_unit", sa.String(length=16), nullable=True),
        sa.Column("carbon_content", sa.Float(), nullable=True),
        sa.Column("oxidation_rate", sa.Float(), nullable=True),
        sa.Column("supplier_factor", sa.Float(), nullable=True),
        sa.Column("supplier_factor_unit", sa.String(length=16), nullable=True),
        sa.Column("pressure_mpa", sa.Float(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("cost_cny", sa.Float(), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("document_ref", sa.String(length=200), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("source_file", sa.String(length=200), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_activity_records_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_activity_records_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_records")),
    )
    with op.batch_alter_table("activity_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_records_park_id_enterprise_id_period_start"),
            ["park_id", "enterprise_id", "period_start"],
            unique=False,
        )

    op.create_table(
        "meter_gas_conditions",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.Column("pressure_kpa_abs", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.id"],
            name=op.f("fk_meter_gas_conditions_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_meter_gas_conditions_park_id_parks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_meter_gas_conditions_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meter_id", name=op.f("pk_meter_gas_conditions")),
    )
    with op.batch_alter_table("meter_gas_conditions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_gas_conditions_park_id"), ["park_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meter_gas_conditions_enterprise_id"), ["enterprise_id"], unique=False
        )
    op.create_table(
        "meter_rollups",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("grain", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("consumption", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Float(), nullable=False),
        sa.Column("flagged_sum", sa.Float(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_rollups_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meter_id", "grain", "bucket", name=op.f("pk_meter_rollups")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "meter_days",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("consumption", sa.Float(), nullable=False),
        sa.Column("estimated", sa.Float(), nullable=False),
        sa.Column("flagged_sum", sa.Float(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_days_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meter_id", "day", name=op.f("pk_meter_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "meter_hours",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hours", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_hours_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meter_id", "day", name=op.f("pk_meter_hours")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "meter_status",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("last_ts", sa.BigInteger(), nullable=True),
        sa.Column("first_ts", sa.BigInteger(), nullable=True),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("interval_s", sa.Integer(), nullable=True),
        sa.Column("typical_rate", sa.Float(), nullable=True),
        sa.Column("readings_total", sa.BigInteger(), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_status_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meter_id", name=op.f("pk_meter_status")),
    )
    with op.batch_alter_table("meter_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_status_park_id"), ["park_id"], unique=False)

    op.create_table(
        "reading_revisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=False),
        sa.Column("old_flags", sa.Integer(), nullable=False),
        sa.Column("new_flags", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("batch_log_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_reading_revisions_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_reading_revisions_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_revisions")),
    )
    with op.batch_alter_table("reading_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reading_revisions_meter_id_ts"), ["meter_id", "ts"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reading_revisions_park_id_changed_at"), ["park_id", "changed_at"], unique=False
        )

    op.create_table(
        "readings",
        sa.Column("meter_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=True),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_readings_meter_id_meters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meter_id", "ts", name=op.f("pk_readings")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("readings")
    with op.batch_alter_table("reading_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reading_revisions_park_id_changed_at"))
        batch_op.drop_index(batch_op.f("ix_reading_revisions_meter_id_ts"))

    op.drop_table("reading_revisions")
    with op.batch_alter_table("meter_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meter_status_park_id"))

    op.drop_table("meter_status")
    op.drop_table("meter_rollups")
    op.drop_table("meter_hours")
    op.drop_table("meter_days")
    op.drop_table("meter_gas_conditions")
    with op.batch_alter_table("activity_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_records_park_id_enterprise_id_period_start"))

    op.drop_table("activity_records")
    op.drop_table("gateway_status")
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_batches_park_id_received_at"))

    op.drop_table("ingest_batches")
