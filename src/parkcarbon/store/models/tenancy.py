"""Parks, organisations, areas and the enterprise's data-access grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import ArchivedMixin, Base, CreatedAtMixin


class Park(CreatedAtMixin, Base):
    """An industrial park (园区): the tenant."""

    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(8))  # ISO 3166-2:CN, e.g. CN-JS
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # the park's accounting profile: parkcarbon.core.AccountingOptions fields that differ from the defaults
    accounting_options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Organisation(ArchivedMixin, CreatedAtMixin, Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("park_id", "name"), Index(None, "park_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    industry_code: Mapped[str | None] = mapped_column(String(8))


class Area(CreatedAtMixin, Base):
    """A zone, site or building of the park (片区/厂区/楼宇)."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("park_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="zone")
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))


class AccessGrant(CreatedAtMixin, Base):
    """An enterprise's explicit, revocable grant of its data to another organisation."""

    __tablename__ = "access_grants"
    __table_args__ = (Index(None, "grantee_organisation_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    grantee_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    granted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
