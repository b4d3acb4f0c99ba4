"""The marketplace (服务生态端): provider profiles and qualifications, listings, purchase requests, bids,
orders and ratings. Every row carries ``park_id``; rows of a buyer carry ``enterprise_id``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parkcarbon.store.base import Base, CreatedAtMixin, JSONType

Money = Numeric(16, 2)


class ProviderProfile(CreatedAtMixin, Base):
    """A provider organisation's application to the park's marketplace (入驻) and its review."""

    __tablename__ = "market_provider_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16))  # applied, needs_info, approved, rejected, suspended
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))
    applied_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))


class MarketDocument(CreatedAtMixin, Base):
    """An evidence file of a provider (qualification certificate …); kept, never cascaded away."""

    __tablename__ = "market_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ProviderQualification(CreatedAtMixin, Base):
    """A qualification of a provider (资质): energy audit, EPC filing (节能服务公司备案), verification …"""

    __tablename__ = "market_qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_until: Mapped[date]
    document_id: Mapped[int] = mapped_column(ForeignKey("market_documents.id", ondelete="RESTRICT"))


class ServiceListing(CreatedAtMixin, Base):
    """A provider's service on a shelf (服务上架), reviewed by the park operator."""

    __tablename__ = "market_listings"
    __table_args__ = (Index(None, "park_id", "category", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    shelf: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text)
    price_model: Mapped[str] = mapped_column(String(16))
    list_price_cny: Mapped[Decimal | None] = mapped_column(Money)
    price_unit: Mapped[str | None] = mapped_column(String(40))
    regions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    qualification_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected, suspended
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))


class ServiceRequest(CreatedAtMixin, Base):
    """An enterprise's purchase request (采购申请) with its award rule; bids are sealed until ``deadline``."""

    __tablename__ = "market_requests"
    __table_args__ = (Index(None, "park_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("market_listings.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text)
    budget_ceiling_cny: Mapped[Decimal] = mapped_column(Money)
    deadline: Mapped[datetime]
    award_rule: Mapped[str] = mapped_column(String(16))
    procurement_object: Mapped[str] = mapped_column(String(16))
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    min_valid_bids: Mapped[int]
    invited_provider_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16))  # open, awarded, failed, cancelled
    created_by: Mapped[str] = mapped_column(String(254))
    awarded_bid_id: Mapped[int | None]
    awarded_at: Mapped[datetime | None]
    award_reason: Mapped[str | None] = mapped_column(String(1000))


class Bid(CreatedAtMixin, Base):
    """A provider's sealed bid (投标/报价): its amount is unreadable to everyone but the bidder until the
    request's deadline (``services.access.market``)."""

    __tablename__ = "market_bids"
    __table_args__ = (UniqueConstraint("request_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("market_requests.id", ondelete="RESTRICT"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    amount_cny: Mapped[Decimal] = mapped_column(Money)
    proposal: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # submitted, withdrawn
    submitted_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    # the buyer's evaluation after opening
    compliant: Mapped[bool] = mapped_column(default=True)
    technical_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    service_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    evaluation_note: Mapped[str | None] = mapped_column(String(1000))


class ServiceOrder(CreatedAtMixin, Base):
    """The order an award creates (订单), with its order-scoped data grant to the provider."""

    __tablename__ = "market_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("market_requests.id", ondelete="RESTRICT"), unique=True
    )
    bid_id: Mapped[int] = mapped_column(ForeignKey("market_bids.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(40))
    amount_cny: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # active, delivered, closed
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("access_grants.id", ondelete="RESTRICT"))
    delivered_at: Mapped[datetime | None]
    delivery_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]


class ProviderRating(CreatedAtMixin, Base):
    """The buyer's rating of a closed order (评价): 1–5 stars and a comment, one per order."""

    __tablename__ = "market_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("market_orders.id", ondelete="RESTRICT"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    stars: Mapped[int]
    comment: Mapped[str] = mapped_column(String(2000))
    rated_by: Mapped[str] = mapped_column(String(254))
