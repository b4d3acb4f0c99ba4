"""Request and response schemas of the marketplace (服务生态端)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parkcarbon.core.market import AwardOutcome, AwardRule, PriceModel, ProcurementObject, Shelf
from parkcarbon.services.schemas import RequestModel, Timestamp
from parkcarbon.vocab import GrantScope

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Amount = Annotated[float, Field(gt=0, le=1e13, allow_inf_nan=False, description="CNY, at most 2 decimals")]
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class ProviderStatus(StrEnum):
    APPLIED = "applied"  # 待审核
    NEEDS_INFO = "needs_info"  # 待补充材料
    APPROVED = "approved"  # 已入驻
    REJECTED = "rejected"  # 已驳回
    SUSPENDED = "suspended"  # 已暂停


class ListingStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class RequestStatus(StrEnum):
    OPEN = "open"  # accepting bids until the deadline, then awaiting the award
    AWARDED = "awarded"
    FAILED = "failed"  # too few valid bids: re-run it
    CANCELLED = "cancelled"


class OrderStatus(StrEnum):
    ACTIVE = "active"
    DELIVERED = "delivered"
    CLOSED = "closed"  # accepted by the buyer; the order's data grant is revoked


class QualificationKind(StrEnum):
    """Qualifications a provider documents (资质)."""

    ENERGY_AUDIT = "energy_audit"  # 能源审计资质
    EPC_FILING = "epc_filing"  # 节能服务公司备案 (合同能源管理)
    CARBON_VERIFICATION = "carbon_verification"  # 碳核查机构资质 / 认可
    ELECTRICAL_CONTRACTOR = "electrical_contractor"  # 承装(修、试)电力设施许可证
    OTHER = "other"


class Decision(StrEnum):
    APPROVE = "approve"
    NEEDS_INFO = "needs_info"
    REJECT = "reject"
    SUSPEND = "suspend"


# --- catalogue -----------------------------------------------------------------------------------------


class CategoryPublic(BaseModel):
    id: str
    shelf: Shelf
    name_zh: str
    name_en: str
    seed_ref: str


class ShelfPublic(BaseModel):
    shelf: Shelf
    name_zh: str
    name_en: str
    categories: list[CategoryPublic]


class AwardRulePublic(BaseModel):
    rule: AwardRule
    name_zh: str
    name_en: str
    min_valid_bids: int
    source: str
    clause: str
    confidence: str


class CataloguePublic(BaseModel):
    shelves: list[ShelfPublic]
    price_models: dict[PriceModel, tuple[str, str]]
    award_rules: list[AwardRulePublic]
    price_weight_floor: dict[ProcurementObject, float]


# --- providers -----------------------------------------------------------------------------------------


class ProviderApplication(RequestModel):
    """A provider organisation's application (入驻申请): its unified social credit code (GB 32100-2015,
    check character verified) and what it offers."""

    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=18)]
    description: Text
    contact: Title | None = None


class ReviewDecision(RequestModel):
    decision: Decision
    reason: Reason | None = Field(default=None, description="required for needs_info, reject and suspend")


class ProviderPublic(BaseModel):
    id: int  # the provider organisation's id
    park_id: int
    name: str
    name_en: str | None
    credit_code: str | None
    status: ProviderStatus | None  # None: never applied
    description: str | None
    contact: str | None
    applied_at: datetime | None
    decided_at: datetime | None
    decision_reason: str | None
    rating_average: float | None
    rating_count: int


class QualificationCreate(RequestModel):
    kind: QualificationKind
    number: Title
    issuer: Title
    valid_until: date
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    content_base64: Annotated[str, StringConstraints(min_length=1, max_length=3_000_000)] = Field(
        description="the evidence document, base64 (at most 2 MiB decoded)"
    )
    content_type: Annotated[str, StringConstraints(max_length=100)] | None = None


class QualificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    provider_id: int
    kind: QualificationKind
    number: str
    issuer: str
    valid_until: date
    expired: bool
    document_id: int
    document_sha256: str | None  # None when the reader may not see the evidence


# --- listings ------------------------------------------------------------------------------------------


class ListingCreate(RequestModel):
    provider_id: Id
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    title: Title
    title_en: Title | None = None
    scope: Text = Field(description="scope and deliverables (服务内容与交付物)")
    price_model: PriceModel = PriceModel.QUOTATION
    list_price_cny: Amount | None = Field(default=None, description="required unless quotation-only")
    price_unit: Title | None = Field(default=None, description="per_unit: the unit, e.g. 每台, per meter")
    regions: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=40, description="where it is offered (e.g. CN-JS)"
    )
    qualification_ids: list[Id] = Field(default_factory=list, max_length=20)


class ListingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    provider_id: int
    provider_name: str
    provider_name_en: str | None = None
    category: str
    shelf: Shelf
    title: str
    title_en: str | None
    scope: str
    price_model: PriceModel
    list_price_cny: float | None
    price_unit: str | None
    regions: list[str]
    qualification_ids: list[int]
    status: ListingStatus  # effective: an approved listing with an expired qualification is suspended
    decision_reason: str | None
    qualification_expired: bool
    qualification_expiring: bool = Field(description="a qualification expires within 30 days (预警)")
    created_at: datetime
    provider_rating_average: float | None
    provider_rating_count: int


# --- requests and bids ---------------------------------------------------------------------------------


class WeightsIn(RequestModel):
    price: Annotated[float, Field(ge=0, le=1)]
    technical: Annotated[float, Field(ge=0, le=1)]
    service: Annotated[float, Field(ge=0, le=1)]


class RequestCreate(RequestModel):
    enterprise_id: Id
    listing_id: Id | None = Field(default=None, description="raised from a listing (点菜)")
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        default=None, description="the listing's category when omitted"
    )
    title: Title
    scope: Text
    budget_ceiling_cny: Amount
    deadline: Timestamp = Field(description="bids are sealed until this time (开标时间)")
    award_rule: AwardRule = AwardRule.RFQ
    procurement_object: ProcurementObject = ProcurementObject.SERVICES
    weights: WeightsIn | None = Field(default=None, description="综合评分 only")
    min_valid_bids: Annotated[int, Field(ge=3, le=50)] = 3
    invited_provider_ids: list[Id] = Field(
        default_factory=list, max_length=50, description="empty: open to every approved provider"
    )


class RequestPublic(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    enterprise_name: str
    listing_id: int | None
    category: str
    title: str
    scope: str
    budget_ceiling_cny: float
    deadline: datetime
    award_rule: AwardRule
    procurement_object: ProcurementObject
    weights: dict[str, float] | None
    min_valid_bids: int
    invited_provider_ids: list[int]
    status: RequestStatus
    sealed: bool
    awarded_bid_id: int | None
    awarded_at: datetime | None
    award_reason: str | None
    created_at: datetime


class BidCreate(RequestModel):
    provider_id: Id
    amount_cny: Amount
    proposal: Text = Field(description="technical and service proposal (技术与服务方案)")


class BidEvaluation(RequestModel):
    """The buyer's evaluation of an opened bid (综合评分: technical and service scores, 0–100)."""

    compliant: bool = True
    technical_score: Score | None = None
    service_score: Score | None = None
    note: Reason | None = None


class BidPublic(BaseModel):
    id: int
    park_id: int
    request_id: int
    provider_id: int
    provider_name: str
    provider_name_en: str | None = None
    amount_cny: float
    proposal: str
    status: Literal["submitted", "withdrawn"]
    submitted_at: datetime
    withdrawn_at: datetime | None
    compliant: bool
    technical_score: float | None
    service_score: float | None
    evaluation_note: str | None


class ComparisonRow(BaseModel):
    bid_id: int
    provider_id: int
    provider_name: str
    provider_name_en: str | None = None
    amount_cny: float
    valid: bool
    invalid_reason: str | None
    price_score: float | None
    technical_score: float | None
    service_score: float | None
    total_score: float | None
    rank: int | None


class ComparisonPublic(BaseModel):
    request_id: int
    award_rule: AwardRule
    outcome: AwardOutcome
    winner_bid_id: int | None
    tied_bid_ids: list[int]
    valid_bids: int
    min_valid_bids: int
    base_price_cny: float | None
    rows: list[ComparisonRow]
    source: str
    clause: str
    confidence: str


class AwardCreate(RequestModel):
    bid_id: Id | None = Field(default=None, description="the winner; required only to choose among tied bids")
    reason: Reason
    grant_scope: GrantScope | None = Field(
        default=None, description="data the provider needs for the order (an order-scoped grant)"
    )
    grant_days: Annotated[int, Field(ge=1, le=1830)] = 90


# --- orders and ratings --------------------------------------------------------------------------------


class DeliveryCreate(RequestModel):
    note: Text


class OrderPublic(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    provider_id: int
    request_id: int
    bid_id: int
    category: str
    amount_cny: float
    status: OrderStatus
    grant_id: int | None
    grant_active: bool
    grant_expires_at: datetime | None
    delivered_at: datetime | None
    delivery_note: str | None
    closed_at: datetime | None
    created_at: datetime


class RatingCreate(RequestModel):
    stars: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class RatingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    order_id: int
    provider_id: int
    stars: int
    comment: str
    created_at: datetime


class ProviderRatingSummary(BaseModel):
    provider_id: int
    park_id: int
    average: float | None
    count: int
    ratings: list[RatingPublic]


class CategoryTotal(BaseModel):
    category: str
    orders: int
    awarded_cny: float


class MarketSummary(BaseModel):
    """The park's view (counts and awarded totals, never a bid)."""

    park_id: int
    providers_by_status: dict[str, int]
    listings_by_status: dict[str, int]
    requests_by_status: dict[str, int]
    bids_on_opened_requests: int
    orders_by_status: dict[str, int]
    awarded_by_category: list[CategoryTotal]
