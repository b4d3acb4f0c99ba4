"""Weather and stored forecasts (气象数据与预测结果).

``weather_hours``: hourly weather of a park — observations (``issued_at`` 0) and forecasts (``issued_at``
the issue time; one row per issue and hour, so a day-ahead forecast can be scored later against what
was observed). ``forecast_runs``: a forecast computed for a meter, an enterprise or the park, with
the model card it was made with; reading a forecast reads a run and never trains a model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import Base, CreatedAtMixin

__all__ = ["ForecastRun", "WeatherHour"]


class WeatherHour(Base):
    """One hour of weather at a park: an observation or one issue of a forecast."""

    __tablename__ = "weather_hours"
    __table_args__ = (
        UniqueConstraint("park_id", "kind", "issued_at", "hour", name="uq_weather_hours_issue_hour"),
        CheckConstraint("kind IN ('observation', 'forecast')", name="weather_kind"),
        Index("ix_weather_hours_park_hour", "park_id", "hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"))
    hour: Mapped[int] = mapped_column(BigInteger)  # start of the hour [epoch s, UTC]
    kind: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[int] = mapped_column(BigInteger, default=0)  # forecasts: issue time [epoch s]
    temp_c: Mapped[float] = mapped_column(Float)
    relative_humidity_pct: Mapped[float | None] = mapped_column(Float, default=None)
    ghi_w_m2: Mapped[float | None] = mapped_column(Float, default=None)
    cloud_cover_pct: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(64))


class ForecastRun(CreatedAtMixin, Base):
    """A stored forecast of one scope and carrier with its model card (JSON)."""

    __tablename__ = "forecast_runs"
    __table_args__ = (
        CheckConstraint("scope IN ('meter', 'enterprise', 'park')", name="forecast_scope"),
        Index("ix_forecast_runs_scope", "park_id", "scope", "scope_id", "carrier", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), default=None
    )
    scope: Mapped[str] = mapped_column(String(16))
    scope_id: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(32))
    qualified: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[str] = mapped_column(Text)
    origin: Mapped[int] = mapped_column(BigInteger)  # first forecast hour [epoch s]
    horizon_hours: Mapped[int] = mapped_column(Integer)
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)
    series: Mapped[dict[str, Any]] = mapped_column(default=dict)
