"""forecast: hourly weather per park (observations and forecast issues) and stored forecast runs

Revision ID: 0530_forecast
Revises: 0520_assets
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0530_forecast"
down_revision = "0520_assets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "weather_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("temp_c", sa.Float(), nullable=False),
        sa.Column("relative_humidity_pct", sa.Float(), nullable=True),
        sa.Column("ghi_w_m2", sa.Float(), nullable=True),
        sa.Column("cloud_cover_pct", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('observation', 'forecast')", name=op.f("ck_weather_hours_weather_kind")),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_weather_hours_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weather_hours")),
        sa.UniqueConstraint("park_id", "kind", "issued_at", "hour", name="uq_weather_hours_issue_hour"),
    )
    op.create_index("ix_weather_hours_park_hour", "weather_hours", ["park_id", "hour"], unique=False)
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("origin", sa.BigInteger(), nullable=False),
        sa.Column("horizon_hours", sa.Integer(), nullable=False),
        sa.Column("card", json_type, nullable=False),
        sa.Column("series", json_type, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "scope IN ('meter', 'enterprise', 'park')", name=op.f("ck_forecast_runs_forecast_scope")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_forecast_runs_enterprise_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_forecast_runs_park_id_parks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
    )
    op.create_index(
        "ix_forecast_runs_scope",
        "forecast_runs",
        ["park_id", "scope", "scope_id", "carrier", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_runs_scope", table_name="forecast_runs")
    op.drop_table("forecast_runs")
    op.drop_index("ix_weather_hours_park_hour", table_name="weather_hours")
    op.drop_table("weather_hours")
