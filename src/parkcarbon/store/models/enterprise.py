"""The enterprise file (一企一档), carbon inventories (碳盘查) and the MRV workflow (监测、报告、核查).

Every row carries ``park_id`` and ``enterprise_id`` (the isolation and distribution keys). Inventory
results are stored with the engine's lineage beside them (``inventories.answer`` and
``inventory_lines.result``); a submitted inventory is frozen and never recomputed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import ArchivedMixin, Base, CreatedAtMixin, JSONType, utcnow

_PARK = "parks.id"
_ORG = "organisations.id"


class EnterpriseProfile(CreatedAtMixin, Base):
    """Profile and organisational boundary of one enterprise (the credit code and industry live on
    :class:`~parkcarbon.store.models.tenancy.Organisation`)."""

    __tablename__ = "enterprise_profiles"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey(_ORG, ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    province: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(300))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    established: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[int | None] = mapped_column(Integer)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EnterpriseFacility(CreatedAtMixin, Base):
    """A site, workshop, production line or equipment inside (or outside) the boundary."""

    __tablename__ = "enterprise_facilities"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"), Index(None, "park_id", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="workshop")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    in_boundary: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)


class EmissionSource(CreatedAtMixin, Base):
    """An emission source (排放源) and how its activity data is obtained: meters, uploads or manual."""

    __tablename__ = "emission_sources"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"), Index(None, "park_id", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_facilities.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    use: Mapped[str | None] = mapped_column(String(16))
    data_source: Mapped[str] = mapped_column(String(16), default="meters")
    calc_params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    monitoring_method: Mapped[str | None] = mapped_column(String(300))
    frequency: Mapped[str] = mapped_column(String(16), default="continuous")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class EmissionSourceMeter(Base):
    """A meter whose consumption is the activity data of a source."""

    __tablename__ = "emission_source_meters"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("emission_sources.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)


class EnterpriseProduct(CreatedAtMixin, Base):
    """A product (产品) whose output is reported as supplementary data."""

    __tablename__ = "enterprise_products"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"), Index(None, "park_id", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    product_code: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)


class EnterpriseDocument(ArchivedMixin, CreatedAtMixin, Base):
    """An evidence file (凭证): invoices, calibration certificates, plans, reports; content in a blob row."""

    __tablename__ = "enterprise_documents"
    __table_args__ = (Index(None, "park_id", "enterprise_id"), Index(None, "enterprise_id", "sha256"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    description: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Integer)


class EnterpriseDocumentBlob(Base):
    __tablename__ = "enterprise_document_blobs"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise_documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Inventory(CreatedAtMixin, Base):
    """One version of an enterprise's inventory for a reporting year (碳盘查).

    ``request`` is the exact payload given to :func:`parkcarbon.core.calculate` and ``answer`` its
    answer (results with lineage, totals). ``status`` ``submitted`` freezes the version.
    """

    __tablename__ = "inventories"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "version"),
        Index(None, "park_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[str] = mapped_column(String(32))
    sector_guideline: Mapped[str | None] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("inventories.id", ondelete="SET NULL"))
    region: Mapped[str] = mapped_column(String(8))
    supplementary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    request: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    total_tco2e: Mapped[float | None] = mapped_column(Float)
    total_tce: Mapped[float | None] = mapped_column(Float)
    factor_library_version: Mapped[str | None] = mapped_column(String(32))
    calculated_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(254))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))


class InventoryLine(Base):
    """One activity of an inventory: where its data came from, overrides, and its result with lineage."""

    __tablename__ = "inventory_lines"
    __table_args__ = (
        UniqueConstraint("inventory_id", "activity_id"),
        Index(None, "park_id", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id", ondelete="CASCADE"), index=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    activity_id: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("emission_sources.id", ondelete="SET NULL"))
    source_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    carrier: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    use: Mapped[str | None] = mapped_column(String(16))
    calc_params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    origin: Mapped[str] = mapped_column(String(16))
    auto_quantity: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    override_reason: Mapped[str | None] = mapped_column(Text)
    evidence_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_documents.id", ondelete="SET NULL")
    )
    overridden_by: Mapped[str | None] = mapped_column(String(254))
    data_lineage: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    tce: Mapped[float | None] = mapped_column(Float)
    tco2e: Mapped[float | None] = mapped_column(Float)


class MrvCase(CreatedAtMixin, Base):
    """An MRV cycle of one enterprise, year and market: plan → monthly reviews → report → verification."""

    __tablename__ = "mrv_cases"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "market"), Index(None, "park_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    market: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(24), default="planning")
    verifier_organisation_id: Mapped[int | None] = mapped_column(ForeignKey(_ORG, ondelete="SET NULL"))
    #: when the enterprise accepted the verifier (or proposed it itself); None = merely proposed
    verifier_accepted_at: Mapped[datetime | None]
    inventory_id: Mapped[int | None] = mapped_column(ForeignKey("inventories.id", ondelete="SET NULL"))
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    report_due: Mapped[date] = mapped_column(Date)
    verification_due: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    verified_tco2e: Mapped[float | None] = mapped_column(Float)
    verification_opinion: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(254))


class MrvMonthReview(Base):
    """Monthly data review (月度数据审核): what the meters said that month, confirmed by the enterprise."""

    __tablename__ = "mrv_month_reviews"
    __table_args__ = (UniqueConstraint("case_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mrv_cases.id", ondelete="CASCADE"))
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    month: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(String(1000))
    reviewed_by: Mapped[str] = mapped_column(String(254))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class MrvComment(CreatedAtMixin, Base):
    """A remark on a case; a verifier's ``correction`` on a line must be resolved before verification."""

    __tablename__ = "mrv_comments"
    __table_args__ = (Index(None, "case_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mrv_cases.id", ondelete="CASCADE"))
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    inventory_id: Mapped[int | None] = mapped_column(ForeignKey("inventories.id", ondelete="SET NULL"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_lines.id", ondelete="SET NULL"))
    activity_id: Mapped[str | None] = mapped_column(String(32))
    author_side: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(254))
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="comment")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    response: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolved_at: Mapped[datetime | None]


class MrvEvent(Base):
    """History of a case: one row per transition (the audit log records the same, append-only)."""

    __tablename__ = "mrv_events"
    __table_args__ = (Index(None, "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mrv_cases.id", ondelete="CASCADE"))
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey(_ORG, ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(254))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class MrvCalendar(CreatedAtMixin, Base):
    """A park's deadline override for a market (and optionally a province): ``MM-DD`` of the next year."""

    __tablename__ = "mrv_calendars"
    __table_args__ = (UniqueConstraint("park_id", "market", "province"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey(_PARK, ondelete="CASCADE"))
    market: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(8))
    report_due: Mapped[str] = mapped_column(String(5))
    verification_due: Mapped[str] = mapped_column(String(5))
