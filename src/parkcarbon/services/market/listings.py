"""Service listings on the two shelves (服务上架): created by approved providers, reviewed by the park admin.

Approved listings are visible to every member of the park (the shelves, 货架); pending, rejected and
suspended ones to their provider, the park admin and the platform admin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from parkcarbon.core.market import PriceModel, Shelf, UnknownCategory, category
from parkcarbon.services import access, audit
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import Conflict, InvalidInput, NotFound
from parkcarbon.services.market.providers import approved_provider_ids, provider_org, rating_stats
from parkcarbon.services.market.schemas import (
    Decision,
    ListingCreate,
    ListingPublic,
    ListingStatus,
    ReviewDecision,
)
from parkcarbon.services.pagination import Page, PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import Organisation, Park, ProviderQualification, ServiceListing

_TRANSITIONS: dict[Decision, tuple[frozenset[ListingStatus], ListingStatus]] = {
    Decision.APPROVE: (frozenset({ListingStatus.PENDING, ListingStatus.SUSPENDED}), ListingStatus.APPROVED),
    Decision.REJECT: (frozenset({ListingStatus.PENDING}), ListingStatus.REJECTED),
    Decision.SUSPEND: (frozenset({ListingStatus.APPROVED}), ListingStatus.SUSPENDED),
}


def money(value: float | None) -> Decimal | None:
    """A JSON amount as exact CNY (two decimals at most; more is refused by the caller's check)."""
    return None if value is None else Decimal(str(value))


def check_cents(field: str, value: Decimal | None) -> None:
    if value is not None and value != value.quantize(Decimal("0.01")):
        raise InvalidInput.field(field, "has more than 2 decimals (分)", code="market.amount_precision")


#: Days before a qualification's expiry from which its listings carry a warning (资质到期预警).
EXPIRY_WARNING_DAYS = 30


def qualification_state(s: Session, row: ServiceListing, today: date) -> tuple[bool, bool]:
    """(expired, expiring): whether a qualification the listing names has passed its expiry date, or
    passes it within :data:`EXPIRY_WARNING_DAYS`."""
    ends = list(
        s.scalars(
            select(ProviderQualification.valid_until).where(
                ProviderQualification.id.in_(row.qualification_ids or [-1])
            )
        )
    )
    expired = any(d < today for d in ends)
    return expired, not expired and any(d < today + timedelta(days=EXPIRY_WARNING_DAYS) for d in ends)


def effective_status(s: Session, row: ServiceListing, today: date) -> ListingStatus:
    """The listing's status, an approved listing counting as suspended once a qualification it names has
    expired (it returns to the shelf when the provider lists again with a valid one)."""
    status = ListingStatus(row.status)
    if status == ListingStatus.APPROVED and qualification_state(s, row, today)[0]:
        return ListingStatus.SUSPENDED
    return status


def _today(s: Session, park_id: int) -> date:
    park = s.get(Park, park_id)
    return park_today(park.timezone if park else None)


def listing_public(s: Session, row: ServiceListing, today: date | None = None) -> ListingPublic:
    today = today or _today(s, row.park_id)
    expired, expiring = qualification_state(s, row, today)
    status = effective_status(s, row, today)
    org = s.get(Organisation, row.provider_id)
    avg, n = rating_stats(s, [row.provider_id])[row.provider_id]
    return ListingPublic(
        id=row.id,
        park_id=row.park_id,
        provider_id=row.provider_id,
        provider_name=org.name if org else "",
        provider_name_en=org.name_en if org else None,
        category=row.category,
        shelf=Shelf(row.shelf),
        title=row.title,
        title_en=row.title_en,
        scope=row.scope,
        price_model=PriceModel(row.price_model),
        list_price_cny=float(row.list_price_cny) if row.list_price_cny is not None else None,
        price_unit=row.price_unit,
        regions=list(row.regions),
        qualification_ids=list(row.qualification_ids),
        status=status,
        decision_reason="qualification expired (资质已过期)"
        if expired and row.status == "approved"
        else row.decision_reason,
        qualification_expired=expired,
        qualification_expiring=expiring,
        created_at=row.created_at,
        provider_rating_average=avg,
        provider_rating_count=n,
    )


def _visible(p: Principal) -> Select[ServiceListing]:
    visible = access.visible_park_ids(p)
    query = select(ServiceListing).order_by(ServiceListing.id)
    if visible is not None:
        query = query.where(ServiceListing.park_id.in_(visible or {-1}))
        reviewer_parks = [pk for pk in p.park_ids if access.can_review_market(p, pk)]
        query = query.where(
            (ServiceListing.status == ListingStatus.APPROVED)
            | ServiceListing.park_id.in_(reviewer_parks or [-1])
            | ServiceListing.provider_id.in_(access.provider_orgs(p) or {-1})
        )
    return query


def list_listings(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    shelf: Shelf | None = None,
    category_id: str | None = None,
    price_model: PriceModel | None = None,
    provider_id: int | None = None,
    status: ListingStatus | None = None,
    region: str | None = None,
) -> Page[ListingPublic]:
    query = _visible(p)
    if park_id is not None:
        query = query.where(ServiceListing.park_id == park_id)
    if shelf is not None:
        query = query.where(ServiceListing.shelf == shelf)
    if category_id is not None:
        query = query.where(ServiceListing.category == category_id)
    if price_model is not None:
        query = query.where(ServiceListing.price_model == price_model)
    if provider_id is not None:
        query = query.where(ServiceListing.provider_id == provider_id)
    with db.read() as s:
        # regions (JSON lists differ by backend) and the effective status (qualification expiry) are
        # filtered here, on the park's listings
        own = access.provider_orgs(p)

        def shown(r: ServiceListing) -> bool:
            eff = effective_status(s, r, _today(s, r.park_id))
            if status is not None and eff != status:
                return False
            if region is not None and region not in r.regions:
                return False
            # an expired qualification takes the listing off the shelves (its provider and the park admin
            # still see it)
            return (
                eff == ListingStatus.APPROVED
                or p.is_platform_admin
                or r.provider_id in own
                or (access.can_review_market(p, r.park_id))
            )

        rows = [r for r in s.scalars(query) if shown(r)]
        data = rows[page.offset : page.offset + page.limit]
        return Page(data=[listing_public(s, r) for r in data], count=len(rows), **page.model_dump())


def _get(s: Session, p: Principal, listing_id: int) -> ServiceListing:
    row = s.scalar(_visible(p).where(ServiceListing.id == listing_id))
    if row is None:
        raise NotFound("listing not found")
    return row


def get_listing(db: Database, p: Principal, listing_id: int) -> ListingPublic:
    with db.read() as s:
        return listing_public(s, _get(s, p, listing_id))


def get_visible_listing(s: Session, p: Principal, listing_id: int) -> ServiceListing:
    return _get(s, p, listing_id)


def create_listing(db: Database, p: Principal, data: ListingCreate) -> ListingPublic:
    with db.transaction() as s:
        org = provider_org(s, p, data.provider_id)
        access.require_provider_actor(p, org.park_id, org.id)
        if org.id not in approved_provider_ids(s, org.park_id):
            raise Conflict(
                "only approved providers list services",
                errors=[
                    {
                        "field": "provider_id",
                        "reason": "is not approved",
                        "code": "market.provider_not_approved",
                    }
                ],
            )
        try:
            cat = category(data.category)
        except UnknownCategory as exc:
            raise InvalidInput.field("category", str(exc), code="market.unknown_category") from None
        price = money(data.list_price_cny)
        check_cents("list_price_cny", price)
        if data.price_model in {PriceModel.FIXED, PriceModel.PER_UNIT} and price is None:
            raise InvalidInput.field(
                "list_price_cny",
                f"a {data.price_model} listing states its price",
                code="market.price_required",
            )
        if data.price_model == PriceModel.PER_UNIT and not data.price_unit:
            raise InvalidInput.field(
                "price_unit", "a per-unit listing names its unit", code="market.price_required"
            )
        quals = set(data.qualification_ids)
        own = set(
            s.scalars(
                select(ProviderQualification.id).where(
                    ProviderQualification.provider_id == org.id, ProviderQualification.id.in_(quals or {-1})
                )
            )
        )
        if quals - own:
            raise InvalidInput.field(
                "qualification_ids",
                f"not the provider's qualifications: {sorted(quals - own)}",
                code="value.unknown_reference",
            )
        row = ServiceListing(
            park_id=org.park_id,
            provider_id=org.id,
            category=cat.id,
            shelf=cat.shelf,
            title=data.title,
            title_en=data.title_en,
            scope=data.scope,
            price_model=data.price_model,
            list_price_cny=price,
            price_unit=data.price_unit,
            regions=list(dict.fromkeys(data.regions)),
            qualification_ids=sorted(quals),
            status=ListingStatus.PENDING,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            p,
            "market.listing.create",
            entity="market_listing",
            entity_id=row.id,
            park_id=row.park_id,
            after=audit.snapshot(row),
        )
        return listing_public(s, row)


def decide_listing(
    db: Database, p: Principal, listing_id: int, data: ReviewDecision, *, now: datetime | None = None
) -> ListingPublic:
    now = now or datetime.now(UTC)
    with db.transaction() as s:
        row = _get(s, p, listing_id)
        access.require_market_reviewer(p, row.park_id)
        if data.decision not in _TRANSITIONS:
            raise InvalidInput.field(
                "decision", "a listing is approved, rejected or suspended", code="input.choice"
            )
        allowed, target = _TRANSITIONS[data.decision]
        if row.status not in allowed:
            raise Conflict(
                f"cannot {data.decision} a listing that is {row.status}",
                errors=[
                    {"field": "decision", "reason": f"not from {row.status}", "code": "state.not_allowed"}
                ],
            )
        if data.decision != Decision.APPROVE and not data.reason:
            raise InvalidInput.field("reason", "a reason is required", code="market.reason_required")
        before = audit.snapshot(row)
        row.status, row.decided_at, row.decided_by, row.decision_reason = target, now, p.label, data.reason
        s.flush()
        audit.record(
            s,
            p,
            f"market.listing.{data.decision}",
            entity="market_listing",
            entity_id=row.id,
            park_id=row.park_id,
            before=before,
            after=audit.snapshot(row),
        )
        return listing_public(s, row)
