"""The marketplace (服务生态端): shelves, provider onboarding, listings, purchase requests, sealed bids,
awards, orders and ratings. Every decision is made in ``services.access.market``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from parkcarbon.api.deps import IdPath, PageDep, PrincipalDep, RuntimeDep
from parkcarbon.core.market import PriceModel, Shelf
from parkcarbon.services import market
from parkcarbon.services.market import listings, ocds, orders, procurement, providers
from parkcarbon.services.market.procurement import AwardPublic
from parkcarbon.services.market.schemas import (
    AwardCreate,
    BidCreate,
    BidEvaluation,
    BidPublic,
    CataloguePublic,
    ComparisonPublic,
    DeliveryCreate,
    ListingCreate,
    ListingPublic,
    ListingStatus,
    MarketSummary,
    OrderPublic,
    OrderStatus,
    ProviderApplication,
    ProviderPublic,
    ProviderRatingSummary,
    ProviderStatus,
    QualificationCreate,
    QualificationPublic,
    RatingCreate,
    RatingPublic,
    RequestCreate,
    RequestPublic,
    RequestStatus,
    ReviewDecision,
)
from parkcarbon.services.pagination import Page

router = APIRouter(prefix="/market", tags=["market"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/catalogue", response_model=CataloguePublic)
def read_market_catalogue() -> CataloguePublic:
    """The two shelves (能源服务 / 双碳服务) and their categories, price models and award rules."""
    return market.catalogue()


# --- providers -----------------------------------------------------------------------------------------


@router.get("/providers", response_model=Page[ProviderPublic])
def list_market_providers(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    status: ProviderStatus | None = None,
) -> Page[ProviderPublic]:
    return providers.list_providers(runtime.db, principal, page, park_id=park_id, status=status)


@router.get("/providers/{provider_id}", response_model=ProviderPublic)
def read_market_provider(runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath) -> ProviderPublic:
    return providers.get_provider(runtime.db, principal, provider_id)


@router.post("/providers/{provider_id}/application", response_model=ProviderPublic)
def submit_provider_application(
    runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath, body: ProviderApplication
) -> ProviderPublic:
    """The provider applies (入驻申请) with its unified social credit code (GB 32100-2015 checked)."""
    return providers.apply(runtime.db, principal, provider_id, body)


@router.post("/providers/{provider_id}/decision", response_model=ProviderPublic)
def decide_provider(
    runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath, body: ReviewDecision
) -> ProviderPublic:
    """The park admin approves, asks for more, rejects or suspends (with a reason)."""
    return providers.decide(runtime.db, principal, provider_id, body)


@router.post(
    "/providers/{provider_id}/qualifications",
    response_model=QualificationPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_qualification(
    runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath, body: QualificationCreate
) -> QualificationPublic:
    return providers.add_qualification(runtime.db, principal, provider_id, body)


@router.get("/providers/{provider_id}/qualifications", response_model=Page[QualificationPublic])
def list_qualifications(
    runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath, page: PageDep
) -> Page[QualificationPublic]:
    return providers.list_qualifications(runtime.db, principal, provider_id, page)


@router.get("/providers/{provider_id}/ratings", response_model=ProviderRatingSummary)
def read_provider_ratings(
    runtime: RuntimeDep, principal: PrincipalDep, provider_id: IdPath, page: PageDep
) -> ProviderRatingSummary:
    return orders.provider_ratings(runtime.db, principal, provider_id, page)


# --- listings ------------------------------------------------------------------------------------------


@router.get("/listings", response_model=Page[ListingPublic])
def list_listings(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    provider_id: OptionalId = None,
    shelf: Shelf | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    price_model: PriceModel | None = None,
    status: ListingStatus | None = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[ListingPublic]:
    """The shelves: approved listings of the park (and, for their provider and the park admin, the rest)."""
    return listings.list_listings(
        runtime.db, principal, page, park_id=park_id, shelf=shelf, category_id=category,
        price_model=price_model, provider_id=provider_id, status=status, region=region,
    )  # fmt: skip


@router.post("/listings", response_model=ListingPublic, status_code=status.HTTP_201_CREATED)
def create_listing(runtime: RuntimeDep, principal: PrincipalDep, body: ListingCreate) -> ListingPublic:
    return listings.create_listing(runtime.db, principal, body)


@router.get("/listings/{listing_id}", response_model=ListingPublic)
def read_listing(runtime: RuntimeDep, principal: PrincipalDep, listing_id: IdPath) -> ListingPublic:
    return listings.get_listing(runtime.db, principal, listing_id)


@router.post("/listings/{listing_id}/decision", response_model=ListingPublic)
def decide_listing(
    runtime: RuntimeDep, principal: PrincipalDep, listing_id: IdPath, body: ReviewDecision
) -> ListingPublic:
    return listings.decide_listing(runtime.db, principal, listing_id, body)


# --- requests and bids ---------------------------------------------------------------------------------


@router.get("/requests", response_model=Page[RequestPublic])
def list_requests(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    enterprise_id: OptionalId = None,
    status: RequestStatus | None = None,
) -> Page[RequestPublic]:
    return procurement.list_requests(
        runtime.db, principal, page, park_id=park_id, enterprise_id=enterprise_id, status=status
    )


@router.post("/requests", response_model=RequestPublic, status_code=status.HTTP_201_CREATED)
def create_request(runtime: RuntimeDep, principal: PrincipalDep, body: RequestCreate) -> RequestPublic:
    """An enterprise's purchase request (采购申请); bids are sealed until its deadline."""
    return procurement.create_request(runtime.db, principal, body)


@router.get("/requests/{request_id}", response_model=RequestPublic)
def read_request(runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath) -> RequestPublic:
    return procurement.get_request(runtime.db, principal, request_id)


@router.post("/requests/{request_id}/bids", response_model=BidPublic, status_code=status.HTTP_201_CREATED)
def submit_bid(
    runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath, body: BidCreate
) -> BidPublic:
    """Submit or revise a sealed bid (until the deadline)."""
    return procurement.submit_bid(runtime.db, principal, request_id, body)


@router.get("/requests/{request_id}/bids", response_model=Page[BidPublic])
def list_request_bids(
    runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath, page: PageDep
) -> Page[BidPublic]:
    """Before the deadline: the provider's own bid only; after it, all bids for the requesting enterprise."""
    return procurement.list_bids(runtime.db, principal, request_id, page)


@router.get("/requests/{request_id}/comparison", response_model=ComparisonPublic)
def compare_bids(runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath) -> ComparisonPublic:
    """The comparison of the opened bids with their scores (the requesting enterprise, after the deadline)."""
    return procurement.compare_bids(runtime.db, principal, request_id)


@router.post("/requests/{request_id}/award", response_model=AwardPublic)
def award_request(
    runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath, body: AwardCreate
) -> AwardPublic:
    """Award by the request's rule (the order and its order-scoped grant), or fail it for too few bids."""
    return procurement.award(runtime.db, principal, request_id, body)


@router.get("/requests/{request_id}/ocds")
def export_request_ocds(runtime: RuntimeDep, principal: PrincipalDep, request_id: IdPath) -> dict[str, Any]:
    """The request as an OCDS 1.1 release (with the bid extension after the deadline)."""
    return ocds.release(runtime.db, principal, request_id)


@router.get("/bids/{bid_id}", response_model=BidPublic)
def read_bid(runtime: RuntimeDep, principal: PrincipalDep, bid_id: IdPath) -> BidPublic:
    return procurement.get_bid(runtime.db, principal, bid_id)


@router.post("/bids/{bid_id}/withdraw", response_model=BidPublic)
def withdraw_bid(runtime: RuntimeDep, principal: PrincipalDep, bid_id: IdPath) -> BidPublic:
    return procurement.withdraw_bid(runtime.db, principal, bid_id)


@router.post("/bids/{bid_id}/evaluation", response_model=BidPublic)
def evaluate_bid(
    runtime: RuntimeDep, principal: PrincipalDep, bid_id: IdPath, body: BidEvaluation
) -> BidPublic:
    """The buyer's evaluation of an opened bid (compliance; technical and service scores)."""
    return procurement.evaluate_bid(runtime.db, principal, bid_id, body)


# --- orders --------------------------------------------------------------------------------------------


@router.get("/orders", response_model=Page[OrderPublic])
def list_orders(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    page: PageDep,
    park_id: OptionalId = None,
    status: OrderStatus | None = None,
) -> Page[OrderPublic]:
    return orders.list_orders(runtime.db, principal, page, park_id=park_id, status=status)


@router.get("/orders/{order_id}", response_model=OrderPublic)
def read_order(runtime: RuntimeDep, principal: PrincipalDep, order_id: IdPath) -> OrderPublic:
    return orders.get_order(runtime.db, principal, order_id)


@router.post("/orders/{order_id}/delivery", response_model=OrderPublic)
def deliver_order(
    runtime: RuntimeDep, principal: PrincipalDep, order_id: IdPath, body: DeliveryCreate
) -> OrderPublic:
    return orders.deliver(runtime.db, principal, order_id, body)


@router.post("/orders/{order_id}/acceptance", response_model=OrderPublic)
def accept_order(runtime: RuntimeDep, principal: PrincipalDep, order_id: IdPath) -> OrderPublic:
    """The buyer accepts the delivery: the order closes, its data grant is revoked."""
    return orders.accept(runtime.db, principal, order_id)


@router.post("/orders/{order_id}/rating", response_model=RatingPublic, status_code=status.HTTP_201_CREATED)
def rate_order(
    runtime: RuntimeDep, principal: PrincipalDep, order_id: IdPath, body: RatingCreate
) -> RatingPublic:
    return orders.rate(runtime.db, principal, order_id, body)


@router.get("/parks/{park_id}/summary", response_model=MarketSummary)
def read_market_summary(runtime: RuntimeDep, principal: PrincipalDep, park_id: IdPath) -> MarketSummary:
    """The park's view of its marketplace: counts and awarded totals, never a bid."""
    return orders.market_summary(runtime.db, principal, park_id)
