"""Meters (计量器具): what is measured, where, for whom, and how it reports."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import ArchivedMixin, Base, CreatedAtMixin


class Meter(ArchivedMixin, CreatedAtMixin, Base):
    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("park_id", "code"), Index(None, "park_id", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))  # external code used by gateways and uploads
    name: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="register")
    purpose: Mapped[str | None] = mapped_column(String(32))
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)  # CT × PT ratio
    rated_capacity_per_hour: Mapped[float | None] = mapped_column(Float)  # in `unit` per hour
    register_max: Mapped[float | None] = mapped_column(Float)  # counter rolls over after this value
    active: Mapped[bool] = mapped_column(Boolean, default=True)
