"""Orders (订单), delivery, acceptance and ratings (评价).

An award creates the order (:func:`parkcarbon.services.market.procurement.award`), with, when the
enterprise named a scope, an order-scoped, time-boxed data grant to the provider
(:mod:`parkcarbon.services.registry.grants`). The provider records its delivery; the enterprise's admin
accepts it, which closes the order and revokes the grant. Only the buyer rates, once per closed order
(1–5 stars with a comment); a provider's rating is the mean of its orders' ratings with their count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parkcarbon.services import access, audit
from parkcarbon.services.errors import Conflict, Forbidden, NotFound
from parkcarbon.services.market.providers import provider_org, rating_stats
from parkcarbon.services.market.schemas import (
    CategoryTotal,
    DeliveryCreate,
    MarketSummary,
    OrderPublic,
    OrderStatus,
    ProviderRatingSummary,
    RatingCreate,
    RatingPublic,
)
from parkcarbon.services.pagination import Page, PageParams, paginate
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.grants import revoke_grant_in
from parkcarbon.store.db import Database
from parkcarbon.store.models import (
    AccessGrant,
    Bid,
    ProviderProfile,
    ProviderRating,
    ServiceListing,
    ServiceOrder,
    ServiceRequest,
)


def order_public(s: Session, order: ServiceOrder, now: datetime | None = None) -> OrderPublic:
    now = now or datetime.now(UTC)
    grant = s.get(AccessGrant, order.grant_id) if order.grant_id is not None else None
    active = (
        grant is not None
        and grant.revoked_at is None
        and (grant.expires_at is None or grant.expires_at > now)
    )
    return OrderPublic(
        id=order.id,
        park_id=order.park_id,
        enterprise_id=order.enterprise_id,
        provider_id=order.provider_id,
        request_id=order.request_id,
        bid_id=order.bid_id,
        category=order.category,
        amount_cny=float(order.amount_cny),
        status=OrderStatus(order.status),
        grant_id=order.grant_id,
        grant_active=active,
        grant_expires_at=grant.expires_at if grant is not None else None,
        delivered_at=order.delivered_at,
        delivery_note=order.delivery_note,
        closed_at=order.closed_at,
        created_at=order.created_at,
    )


def _get(s: Session, p: Principal, order_id: int) -> ServiceOrder:
    access.require_user(p)
    order = s.get(ServiceOrder, order_id)
    if order is None:
        raise NotFound("order not found")
    access.require_order_read(p, order)
    return order


def list_orders(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    status: OrderStatus | None = None,
) -> Page[OrderPublic]:
    """The caller's orders: as the buyer (its enterprises) or as the provider."""
    access.require_user(p)
    orgs = {m.organisation_id for m in p.memberships}
    query = (
        select(ServiceOrder)
        .order_by(ServiceOrder.id.desc())
        .where(ServiceOrder.enterprise_id.in_(orgs or {-1}) | ServiceOrder.provider_id.in_(orgs or {-1}))
    )
    if park_id is not None:
        query = query.where(ServiceOrder.park_id == park_id)
    if status is not None:
        query = query.where(ServiceOrder.status == status)
    with db.read() as s:
        rows = [o for o in s.scalars(query) if access.is_order_party(p, o) is not None]
        data = rows[page.offset : page.offset + page.limit]
        return Page(data=[order_public(s, o) for o in data], count=len(rows), **page.model_dump())


def get_order(db: Database, p: Principal, order_id: int) -> OrderPublic:
    with db.read() as s:
        return order_public(s, _get(s, p, order_id))


def _state(order: ServiceOrder, *expected: OrderStatus) -> None:
    if order.status not in expected:
        raise Conflict(
            f"the order is {order.status}",
            errors=[{"field": "status", "reason": f"is {order.status}", "code": "state.not_allowed"}],
        )


def deliver(
    db: Database, p: Principal, order_id: int, data: DeliveryCreate, *, now: datetime | None = None
) -> OrderPublic:
    """The provider records its delivery (交付)."""
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        order = _get(s, p, order_id)
        if access.is_order_party(p, order) != "provider":
            raise Forbidden("only the order's provider records its delivery")
        _state(order, OrderStatus.ACTIVE)
        before = audit.snapshot(order)
        order.status, order.delivered_at, order.delivery_note = OrderStatus.DELIVERED, now, data.note
        s.flush()
        audit.record(
            s,
            p,
            "market.order.deliver",
            entity="market_order",
            entity_id=order.id,
            park_id=order.park_id,
            enterprise_id=order.enterprise_id,
            before=before,
            after=audit.snapshot(order),
        )
        return order_public(s, order, now)


def accept(db: Database, p: Principal, order_id: int, *, now: datetime | None = None) -> OrderPublic:
    """The enterprise's admin accepts the delivery (验收): the order closes and its data grant is revoked."""
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        order = _get(s, p, order_id)
        if not access.can_decide_request(p, order.enterprise_id):
            raise Forbidden("only the enterprise's admin accepts a delivery")
        _state(order, OrderStatus.DELIVERED)
        before = audit.snapshot(order)
        order.status, order.closed_at = OrderStatus.CLOSED, now
        if order.grant_id is not None:
            grant = s.get(AccessGrant, order.grant_id)
            if grant is not None:
                revoke_grant_in(s, p, grant)
        s.flush()
        audit.record(
            s,
            p,
            "market.order.accept",
            entity="market_order",
            entity_id=order.id,
            park_id=order.park_id,
            enterprise_id=order.enterprise_id,
            before=before,
            after=audit.snapshot(order),
        )
        return order_public(s, order, now)


def rate(db: Database, p: Principal, order_id: int, data: RatingCreate) -> RatingPublic:
    """The buyer's one rating of a closed order."""
    with db.transaction() as s:
        order = _get(s, p, order_id)
        if not access.can_decide_request(p, order.enterprise_id):
            raise Forbidden("only the buyer's admin rates an order")
        _state(order, OrderStatus.CLOSED)
        if s.scalar(select(ProviderRating.id).where(ProviderRating.order_id == order.id)) is not None:
            raise Conflict(
                "the order is rated already",
                errors=[{"field": "order_id", "reason": "has a rating", "code": "market.already_rated"}],
            )
        rating = ProviderRating(
            park_id=order.park_id,
            order_id=order.id,
            enterprise_id=order.enterprise_id,
            provider_id=order.provider_id,
            stars=data.stars,
            comment=data.comment,
            rated_by=p.label,
        )
        s.add(rating)
        s.flush()
        audit.record(
            s,
            p,
            "market.order.rate",
            entity="market_rating",
            entity_id=rating.id,
            park_id=order.park_id,
            enterprise_id=order.enterprise_id,
            after=audit.snapshot(rating),
        )
        return RatingPublic.model_validate(rating)


def provider_ratings(db: Database, p: Principal, provider_id: int, page: PageParams) -> ProviderRatingSummary:
    """A provider's ratings (visible to the park's members): the mean, the number of orders behind it."""
    with db.read() as s:
        org = provider_org(s, p, provider_id)
        avg, n = rating_stats(s, [org.id])[org.id]
        query = (
            select(ProviderRating)
            .where(ProviderRating.provider_id == org.id)
            .order_by(ProviderRating.id.desc())
        )
        rows, _ = paginate(s, query, page)
        return ProviderRatingSummary(
            provider_id=org.id,
            park_id=org.park_id,
            average=avg,
            count=n,
            ratings=[RatingPublic.model_validate(r) for r in rows],
        )


def market_summary(db: Database, p: Principal, park_id: int, *, now: datetime | None = None) -> MarketSummary:
    """The park's view: counts by state and awarded totals by category; never a bid or its amount."""
    now = now or datetime.now(UTC)
    access.require_market_summary(p, park_id)

    def counts(s: Session, model: type, column: object) -> dict[str, int]:
        query: Any = select(column, func.count()).where(model.park_id == park_id).group_by(column)  # type: ignore[attr-defined,call-overload]
        rows: Sequence[Any] = s.execute(query).all()
        return {str(k): int(v) for k, v in rows}

    with db.read() as s:
        opened = (
            select(func.count())
            .select_from(Bid)
            .join(ServiceRequest, ServiceRequest.id == Bid.request_id)
            .where(Bid.park_id == park_id, Bid.status == "submitted", ServiceRequest.deadline <= now)
        )
        totals = s.execute(
            select(ServiceOrder.category, func.count(), func.sum(ServiceOrder.amount_cny))
            .where(ServiceOrder.park_id == park_id)
            .group_by(ServiceOrder.category)
            .order_by(ServiceOrder.category)
        ).all()
        return MarketSummary(
            park_id=park_id,
            providers_by_status=counts(s, ProviderProfile, ProviderProfile.status),
            listings_by_status=counts(s, ServiceListing, ServiceListing.status),
            requests_by_status=counts(s, ServiceRequest, ServiceRequest.status),
            bids_on_opened_requests=int(s.scalar(opened) or 0),
            orders_by_status=counts(s, ServiceOrder, ServiceOrder.status),
            awarded_by_category=[
                CategoryTotal(category=c, orders=int(n), awarded_cny=float(t or 0)) for c, n, t in totals
            ],
        )
