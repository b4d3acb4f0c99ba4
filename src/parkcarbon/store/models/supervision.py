"""Park supervision (园区监管端): targets, economic data, product output, warnings and their delivery.

Every row carries ``park_id`` (and ``enterprise_id`` where it belongs to one enterprise). A park-level
target has no enterprise; ``scope_key`` (the enterprise id, ``0`` for the park) makes "one target per
park or enterprise and year" a plain unique constraint on every backend (NULLs are distinct in SQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
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

from parkcarbon.store.base import Base, CreatedAtMixin, utcnow

_PARK = "parks.id"
_ORG = "organisations.id"


class SupervisionSettings(Base):
    """A park's supervision settings: intensity basis, thresholds, tariff region, warning webhook."""

    __tablename__ = "supervision_settings"

    park_id: Mapped[int] = mapped_column(
        ForeignKey(_PARK, ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # 单位产值 (gross output value) or 单位工业增加值 (value added), GB/T 2589-2020 §3
    intensity_basis: Mapped[str] = mapped_column(String(16), default="output_value")
    key_unit_tce: Mapped[float] = mapped_column(Float, default=10_000.0)  # 重点用能单位 threshold
    ets_tco2e: Mapped[float] = mapped_column(Float, default=26_000.0)  # national ETS inclusion threshold
    orange_ratio: Mapped[float] = mapped_column(Float, default=0.95)
    reraise_growth: Mapped[float] = mapped_column(Float, default=0.05)
    intensity_rise_ratio: Mapped[float] = mapped_column(Float, default=0.05)
    completeness_min_pct: Mapped[float] = mapped_column(Float, default=90.0)
    tariff_region: Mapped[str | None] = mapped_column(String(8))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupervisionTarget(CreatedAtMixin, Base):
    """Annual energy and carbon targets (能耗、碳排放总量和强度目标) of a park or one of its enterprises.

    ``allocated_by_park``: set by the park (dual-control allocation); the enterprise cannot change it.
    """

    __tablename__ = "supervision_targets"
    __table_args__ = (
        UniqueConstraint("park_id", "scope_key", "year"),
        Index(None, "enterprise_id", "year"),
        CheckConstraint("scope_key = coalesce(enterprise_id, 0)", name="scope_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    scope_key: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    energy_tce: Mapped[float | None] = mapped_column(Float)
    energy_intensity: Mapped[float | None] = mapped_column(Float)  # tce/万元 on intensity_basis
    carbon_tco2e: Mapped[float | None] = mapped_column(Float)
    carbon_intensity: Mapped[float | None] = mapped_column(Float)  # tCO2e/万元 on intensity_basis
    intensity_basis: Mapped[str] = mapped_column(String(16), default="output_value")
    allocated_by_park: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EconomicMonth(CreatedAtMixin, Base):
    """Monthly economic data of an enterprise: gross output value and value added [万元].

    ``kind`` ``actual`` (reported) or ``plan`` (production plan, used by the year-end projection).
    """

    __tablename__ = "supervision_economics"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "month", "kind"),
        Index(None, "park_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="actual")
    output_value_10k_cny: Mapped[float | None] = mapped_column(Float)
    value_added_10k_cny: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="api")
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProductOutput(CreatedAtMixin, Base):
    """Monthly output of one product (产品产量), in the product's unit (``enterprise_products.unit``)."""

    __tablename__ = "supervision_product_outputs"
    __table_args__ = (
        UniqueConstraint("product_id", "year", "month", "kind"),
        Index(None, "park_id", "year"),
        Index(None, "enterprise_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("enterprise_products.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="actual")
    quantity: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="api")
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProductBenchmark(CreatedAtMixin, Base):
    """Which energy-consumption quota (能耗限额) a product is benchmarked against, and the share of the
    enterprise's comprehensive energy consumption attributed to it."""

    __tablename__ = "supervision_product_benchmarks"
    __table_args__ = (Index(None, "park_id", "quota_key"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise_products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    quota_key: Mapped[str | None] = mapped_column(String(64))
    energy_share: Mapped[float] = mapped_column(Float, default=1.0)
    note: Mapped[str | None] = mapped_column(String(500))


class SupervisionWarning(Base):
    """A dual-control warning (能耗双控预警), one row per rule and subject; re-raised when it worsens."""

    __tablename__ = "supervision_warnings"
    __table_args__ = (UniqueConstraint("park_id", "key"), Index(None, "park_id", "status", "level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    value: Mapped[float | None] = mapped_column(Float)
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raise_count: Mapped[int] = mapped_column(Integer, default=1)
    first_raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))
    ack_note: Mapped[str | None] = mapped_column(Text)
    ack_level: Mapped[str | None] = mapped_column(String(8))
    ack_value: Mapped[float | None] = mapped_column(Float)
    resolved_at: Mapped[datetime | None]


class SupervisionWarningEvent(Base):
    """History of a warning: raised, updated, acknowledged, re-raised, resolved."""

    __tablename__ = "supervision_warning_events"
    __table_args__ = (Index(None, "warning_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("supervision_warnings.id", ondelete="CASCADE"))
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)


class SupervisionNotification(CreatedAtMixin, Base):
    """An in-app notification for one user (park staff and regulators of the park)."""

    __tablename__ = "supervision_notifications"
    __table_args__ = (Index(None, "user_id", "read_at"), Index(None, "park_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_warnings.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    read_at: Mapped[datetime | None]


class WebhookDelivery(CreatedAtMixin, Base):
    """One signed POST of a warning event to the park's webhook, with its attempts."""

    __tablename__ = "supervision_webhook_deliveries"
    __table_args__ = (Index(None, "park_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_warnings.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
