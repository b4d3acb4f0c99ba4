"""Purchase requests (采购申请), sealed bids (密封投标) and the award (定标).

An enterprise's members raise a request (from a listing or from scratch) with a budget ceiling, a
deadline and an award rule (:mod:`parkcarbon.core.market.scoring`). Approved providers it is open to bid
until the deadline; a bid can be revised or withdrawn until then. Bids are sealed until the deadline
(:mod:`parkcarbon.services.access.market`): their audit events carry no amount, and no route returns
another party's bid before it. After the deadline the enterprise's admin records its evaluation
(compliance; technical and service scores under 综合评分), reads the comparison and awards: the winner
the rule names (or, among tied bids, the one it chooses), with a reason. The award creates the order
(:mod:`.orders`) and, if the enterprise names a scope, an order-scoped, time-boxed data grant to the
provider. Too few valid bids fail the request (it is re-run as a new one).

Every function takes ``now`` (default: the current time) so tests can stand on either side of a deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from parkcarbon.core.market import (
    AwardOutcome,
    AwardRule,
    BidInput,
    InvalidRule,
    ProcurementObject,
    UnknownCategory,
    Weights,
    category,
    evaluate,
)
from parkcarbon.core.market.scoring import AwardResult
from parkcarbon.services import access, audit
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from parkcarbon.services.market.listings import check_cents, effective_status, get_visible_listing, money
from parkcarbon.services.market.orders import order_public
from parkcarbon.services.market.providers import approved_provider_ids, provider_org
from parkcarbon.services.market.schemas import (
    AwardCreate,
    BidCreate,
    BidEvaluation,
    BidPublic,
    ComparisonPublic,
    ComparisonRow,
    ListingStatus,
    OrderPublic,
    RequestCreate,
    RequestPublic,
    RequestStatus,
)
from parkcarbon.services.pagination import Page, PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.grants import create_grant_in
from parkcarbon.services.registry.schemas import GrantCreate
from parkcarbon.store.db import Database
from parkcarbon.store.models import Bid, Organisation, OrgKind, Park, ServiceOrder, ServiceRequest


class AwardPublic(BaseModel):
    request: RequestPublic
    comparison: ComparisonPublic
    order: OrderPublic | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _weights(req: ServiceRequest) -> Weights | None:
    if req.weights is None:
        return None
    w = req.weights
    return Weights(Decimal(str(w["price"])), Decimal(str(w["technical"])), Decimal(str(w["service"])))


def request_public(s: Session, p: Principal, req: ServiceRequest, now: datetime) -> RequestPublic:
    """The request as ``p`` sees it: the invited providers are named to the enterprise only (a bidder
    does not learn who else was invited, 财政部令第87号 spirit of not disclosing potential bidders)."""
    ent = s.get(Organisation, req.enterprise_id)
    return RequestPublic(
        id=req.id,
        park_id=req.park_id,
        enterprise_id=req.enterprise_id,
        enterprise_name=ent.name if ent else "",
        listing_id=req.listing_id,
        category=req.category,
        title=req.title,
        scope=req.scope,
        budget_ceiling_cny=float(req.budget_ceiling_cny),
        deadline=req.deadline,
        award_rule=AwardRule(req.award_rule),
        procurement_object=ProcurementObject(req.procurement_object),
        weights=dict(req.weights) if req.weights is not None else None,
        min_valid_bids=req.min_valid_bids,
        invited_provider_ids=list(req.invited_provider_ids)
        if access.is_enterprise_member(p, req.enterprise_id)
        else [],
        status=RequestStatus(req.status),
        sealed=access.bids_sealed(req, now),
        awarded_bid_id=req.awarded_bid_id,
        awarded_at=req.awarded_at,
        award_reason=req.award_reason,
        created_at=req.created_at,
    )


def bid_public(s: Session, bid: Bid) -> BidPublic:
    org = s.get(Organisation, bid.provider_id)
    return BidPublic(
        id=bid.id,
        park_id=bid.park_id,
        request_id=bid.request_id,
        provider_id=bid.provider_id,
        provider_name=org.name if org else "",
        provider_name_en=org.name_en if org else None,
        amount_cny=float(bid.amount_cny),
        proposal=bid.proposal,
        status=bid.status,
        submitted_at=bid.submitted_at,
        withdrawn_at=bid.withdrawn_at,
        compliant=bid.compliant,
        technical_score=float(bid.technical_score) if bid.technical_score is not None else None,
        service_score=float(bid.service_score) if bid.service_score is not None else None,
        evaluation_note=bid.evaluation_note,
    )


def sealed_snapshot(bid: Bid) -> dict[str, Any]:
    """The audit snapshot of a sealed bid: who and when, never the amount or the proposal."""
    snap = audit.snapshot(bid) or {}
    return {k: v for k, v in snap.items() if k not in {"amount_cny", "proposal"}} | {"sealed": True}


def get_request_row(s: Session, p: Principal, request_id: int) -> ServiceRequest:
    access.require_user(p)
    req = s.get(ServiceRequest, request_id)
    if req is None:
        raise NotFound("request not found")
    access.require_request_read(p, req, approved_provider_ids(s, req.park_id))
    return req


# --- requests ------------------------------------------------------------------------------------------


def create_request(
    db: Database, p: Principal, data: RequestCreate, *, now: datetime | None = None
) -> RequestPublic:
    now = _now(now)
    with db.transaction() as s:
        ent = access.enterprise_of(s, p, data.enterprise_id)
        if not access.can_raise_request(p, ent.id):
            raise Forbidden("only the enterprise's members raise its purchase requests")
        cat_id = data.category
        if data.listing_id is not None:
            listing = get_visible_listing(s, p, data.listing_id)
            park = s.get(Park, ent.park_id)
            today = park_today(park.timezone if park else None)
            if (
                listing.park_id != ent.park_id
                or effective_status(s, listing, today) != ListingStatus.APPROVED
            ):
                raise InvalidInput.field(
                    "listing_id", "is not an approved listing of this park", code="value.unknown_reference"
                )
            if cat_id is not None and cat_id != listing.category:
                raise InvalidInput.field("category", f"the listing is in {listing.category}")
            cat_id = listing.category
        if cat_id is None:
            raise InvalidInput.field(
                "category", "name the category (or raise it from a listing)", code="input.required"
            )
        try:
            cat = category(cat_id)
        except UnknownCategory as exc:
            raise InvalidInput.field("category", str(exc), code="market.unknown_category") from None
        if data.deadline <= now:
            raise InvalidInput.field("deadline", "must be in the future", code="market.deadline_passed")
        budget = money(data.budget_ceiling_cny)
        check_cents("budget_ceiling_cny", budget)
        weights = None
        if data.award_rule == AwardRule.SCORED:
            if data.weights is None:
                raise InvalidInput.field(
                    "weights",
                    "综合评分 needs the price, technical and service weights",
                    code="market.invalid_rule",
                )
            w = Weights(
                *(Decimal(str(x)) for x in (data.weights.price, data.weights.technical, data.weights.service))
            )
            try:
                w.check(data.procurement_object)
            except InvalidRule as exc:
                raise InvalidInput.field("weights", str(exc), code="market.invalid_rule") from None
            weights = data.weights.model_dump()
        elif data.weights is not None:
            raise InvalidInput.field(
                "weights", "only 综合评分 (scored) has weights", code="market.invalid_rule"
            )
        invited = list(dict.fromkeys(data.invited_provider_ids))
        if invited:
            approved = approved_provider_ids(s, ent.park_id)
            unknown = [i for i in invited if i not in approved]
            if unknown:
                raise InvalidInput.field(
                    "invited_provider_ids",
                    f"not approved providers of this park: {unknown}",
                    code="value.unknown_reference",
                )
            if len(invited) < data.min_valid_bids:
                raise InvalidInput.field(
                    "invited_provider_ids",
                    f"invite at least {data.min_valid_bids} providers (the rule's minimum)",
                    code="market.too_few_invited",
                )
        req = ServiceRequest(
            park_id=ent.park_id,
            enterprise_id=ent.id,
            listing_id=data.listing_id,
            category=cat.id,
            title=data.title,
            scope=data.scope,
            budget_ceiling_cny=budget,
            deadline=data.deadline,
            award_rule=data.award_rule,
            procurement_object=data.procurement_object,
            weights=weights,
            min_valid_bids=data.min_valid_bids,
            invited_provider_ids=invited,
            status=RequestStatus.OPEN,
            created_by=p.label,
        )
        s.add(req)
        s.flush()
        audit.record(
            s,
            p,
            "market.request.create",
            entity="market_request",
            entity_id=req.id,
            park_id=req.park_id,
            enterprise_id=req.enterprise_id,
            after=audit.snapshot(req),
        )
        return request_public(s, p, req, now)


def list_requests(
    db: Database,
    p: Principal,
    page: PageParams,
    *,
    park_id: int | None = None,
    enterprise_id: int | None = None,
    status: RequestStatus | None = None,
    now: datetime | None = None,
) -> Page[RequestPublic]:
    """Requests the caller may read: its enterprises' requests, those open to its approved provider
    organisations (and those it bid on), every request for the platform admin."""
    now = _now(now)
    access.require_user(p)
    query = select(ServiceRequest).order_by(ServiceRequest.id.desc())
    with db.read() as s:
        if not p.is_platform_admin:
            ents = {m.organisation_id for m in p.memberships if m.org_kind == OrgKind.ENTERPRISE}
            conds: list[ColumnElement[bool]] = [ServiceRequest.enterprise_id.in_(ents or {-1})]
            for pk in p.park_ids:
                mine = access.provider_orgs(p) & approved_provider_ids(s, pk)
                if mine:
                    # open to all, or invited: filtered below (JSON lists differ by backend)
                    conds.append(ServiceRequest.park_id == pk)
            query = query.where(ServiceRequest.park_id.in_(p.park_ids or {-1}))
            query = query.where(or_(*conds))
        if park_id is not None:
            query = query.where(ServiceRequest.park_id == park_id)
        if enterprise_id is not None:
            query = query.where(ServiceRequest.enterprise_id == enterprise_id)
        if status is not None:
            query = query.where(ServiceRequest.status == status)
        approved: dict[int, frozenset[int]] = {}

        def readable(r: ServiceRequest) -> bool:
            if r.park_id not in approved:
                approved[r.park_id] = approved_provider_ids(s, r.park_id)
            return access.can_read_request(p, r, approved[r.park_id])

        rows = [r for r in s.scalars(query) if readable(r)]
        data = rows[page.offset : page.offset + page.limit]
        return Page(data=[request_public(s, p, r, now) for r in data], count=len(rows), **page.model_dump())


def get_request(db: Database, p: Principal, request_id: int, *, now: datetime | None = None) -> RequestPublic:
    with db.read() as s:
        return request_public(s, p, get_request_row(s, p, request_id), _now(now))


# --- bids ------------------------------------------------------------------------------------------------


def submit_bid(
    db: Database, p: Principal, request_id: int, data: BidCreate, *, now: datetime | None = None
) -> BidPublic:
    """Submit (or revise, until the deadline) the provider's sealed bid."""
    now = _now(now)
    with db.transaction() as s:
        req = s.get(ServiceRequest, request_id)
        if req is None:
            raise NotFound("request not found")
        org = provider_org(s, p, data.provider_id)
        access.require_provider_actor(p, org.park_id, org.id)
        approved = approved_provider_ids(s, req.park_id)
        if org.park_id != req.park_id or org.id not in approved or not access.is_open_to(req, org.id):
            raise NotFound("request not found")
        if req.status != RequestStatus.OPEN or not access.bids_sealed(req, now):
            raise Conflict(
                "bidding has closed",
                errors=[{"field": "deadline", "reason": "has passed", "code": "market.bidding_closed"}],
            )
        amount = Decimal(str(data.amount_cny))
        check_cents("amount_cny", amount)
        bid = s.scalar(select(Bid).where(Bid.request_id == req.id, Bid.provider_id == org.id))
        action = "market.bid.revise" if bid is not None else "market.bid.submit"
        if bid is None:
            bid = Bid(
                park_id=req.park_id,
                request_id=req.id,
                provider_id=org.id,
                amount_cny=amount,
                proposal=data.proposal,
                status="submitted",
                submitted_at=now,
            )
            s.add(bid)
        else:
            bid.amount_cny, bid.proposal, bid.status, bid.submitted_at, bid.withdrawn_at = (
                amount,
                data.proposal,
                "submitted",
                now,
                None,
            )
        s.flush()
        audit.record(
            s,
            p,
            action,
            entity="market_bid",
            entity_id=bid.id,
            park_id=req.park_id,
            after=sealed_snapshot(bid),
        )
        return bid_public(s, bid)


def _bid_row(s: Session, p: Principal, bid_id: int, now: datetime) -> tuple[Bid, ServiceRequest]:
    access.require_user(p)
    bid = s.get(Bid, bid_id)
    if bid is None:
        raise NotFound("bid not found")
    access.require_park_visible(p, bid.park_id, "bid")
    req = s.get(ServiceRequest, bid.request_id)
    if req is None or not access.can_read_bid(s, p, req, bid, now):
        raise NotFound("bid not found")
    return bid, req


def get_bid(db: Database, p: Principal, bid_id: int, *, now: datetime | None = None) -> BidPublic:
    with db.read() as s:
        bid, _ = _bid_row(s, p, bid_id, _now(now))
        return bid_public(s, bid)


def withdraw_bid(db: Database, p: Principal, bid_id: int, *, now: datetime | None = None) -> BidPublic:
    now = _now(now)
    with db.transaction() as s:
        bid, req = _bid_row(s, p, bid_id, now)
        if not access.can_act_for_provider(p, bid.provider_id):
            raise Forbidden("only the bidder withdraws its bid")
        if req.status != RequestStatus.OPEN or not access.bids_sealed(req, now) or bid.status != "submitted":
            raise Conflict(
                "the bid can no longer be withdrawn",
                errors=[
                    {
                        "field": "deadline",
                        "reason": "has passed or the bid is withdrawn",
                        "code": "market.bidding_closed",
                    }
                ],
            )
        bid.status, bid.withdrawn_at = "withdrawn", now
        s.flush()
        audit.record(
            s,
            p,
            "market.bid.withdraw",
            entity="market_bid",
            entity_id=bid.id,
            park_id=bid.park_id,
            after=sealed_snapshot(bid),
        )
        return bid_public(s, bid)


def list_bids(
    db: Database, p: Principal, request_id: int, page: PageParams, *, now: datetime | None = None
) -> Page[BidPublic]:
    """A provider sees its own bid; after the deadline the enterprise (and its ``costs`` grantees) see all.
    Before the deadline the enterprise is told the bids are sealed (not even their number is given)."""
    now = _now(now)
    with db.read() as s:
        req = get_request_row(s, p, request_id)
        if access.bids_sealed(req, now) and access.is_enterprise_member(p, req.enterprise_id):
            raise Forbidden("the bids are sealed until the deadline", code="market.sealed")
        bids = s.scalars(select(Bid).where(Bid.request_id == req.id).order_by(Bid.id)).all()
        rows = [b for b in bids if access.can_read_bid(s, p, req, b, now)]
        data = rows[page.offset : page.offset + page.limit]
        return Page(data=[bid_public(s, b) for b in data], count=len(rows), **page.model_dump())


def evaluate_bid(
    db: Database, p: Principal, bid_id: int, data: BidEvaluation, *, now: datetime | None = None
) -> BidPublic:
    """The buyer's evaluation of an opened bid (compliance; 综合评分 scores)."""
    now = _now(now)
    with db.transaction() as s:
        bid, req = _bid_row(s, p, bid_id, now)
        access.require_request_decider(p, req, now, "evaluate bids")
        if req.status != RequestStatus.OPEN:
            raise Conflict(
                "the request is decided",
                errors=[{"field": "status", "reason": f"is {req.status}", "code": "state.not_allowed"}],
            )
        before = audit.snapshot(bid)
        bid.compliant = data.compliant
        bid.technical_score = money(data.technical_score)
        bid.service_score = money(data.service_score)
        bid.evaluation_note = data.note
        s.flush()
        audit.record(
            s,
            p,
            "market.bid.evaluate",
            entity="market_request",
            entity_id=req.id,
            park_id=req.park_id,
            enterprise_id=req.enterprise_id,
            before=before,
            after=audit.snapshot(bid),
        )
        return bid_public(s, bid)


def _evaluate(s: Session, req: ServiceRequest) -> tuple[AwardResult, dict[int, Bid]]:
    bids = {
        b.id: b for b in s.scalars(select(Bid).where(Bid.request_id == req.id, Bid.status == "submitted"))
    }
    inputs = [
        BidInput(
            b.id,
            b.amount_cny,
            compliant=b.compliant,
            technical_score=b.technical_score,
            service_score=b.service_score,
        )
        for b in bids.values()
    ]
    result = evaluate(
        AwardRule(req.award_rule),
        inputs,
        budget_ceiling_cny=req.budget_ceiling_cny,
        weights=_weights(req),
        procurement_object=ProcurementObject(req.procurement_object),
        min_valid_bids=req.min_valid_bids,
    )
    return result, bids


def _comparison(
    s: Session, req: ServiceRequest, result: AwardResult, bids: dict[int, Bid]
) -> ComparisonPublic:
    def f(x: Decimal | None) -> float | None:
        return float(x) if x is not None else None

    names = {
        o.id: (o.name, o.name_en)
        for o in s.scalars(
            select(Organisation).where(Organisation.id.in_({b.provider_id for b in bids.values()} or {-1}))
        )
    }
    rows = [
        ComparisonRow(
            bid_id=r.bid_id,
            provider_id=bids[r.bid_id].provider_id,
            provider_name=names.get(bids[r.bid_id].provider_id, ("", None))[0],
            provider_name_en=names.get(bids[r.bid_id].provider_id, ("", None))[1],
            amount_cny=float(r.amount_cny),
            valid=r.valid,
            invalid_reason=r.invalid_reason,
            price_score=f(r.price_score),
            technical_score=f(r.technical_score),
            service_score=f(r.service_score),
            total_score=f(r.total_score),
            rank=r.rank,
        )
        for r in result.bids
    ]
    return ComparisonPublic(
        request_id=req.id,
        award_rule=result.rule,
        outcome=result.outcome,
        winner_bid_id=result.winner_bid_id,
        tied_bid_ids=list(result.tied_bid_ids),
        valid_bids=result.valid_bids,
        min_valid_bids=result.min_valid_bids,
        base_price_cny=f(result.base_price_cny),
        rows=rows,
        source=result.source,
        clause=result.clause,
        confidence=result.confidence,
    )


def compare_bids(
    db: Database, p: Principal, request_id: int, *, now: datetime | None = None
) -> ComparisonPublic:
    """The comparison table with scores (after the deadline, for the requesting enterprise)."""
    now = _now(now)
    with db.read() as s:
        req = get_request_row(s, p, request_id)
        access.require_bid_comparison(s, p, req, now)
        result, bids = _evaluate(s, req)
        return _comparison(s, req, result, bids)


def award(
    db: Database, p: Principal, request_id: int, data: AwardCreate, *, now: datetime | None = None
) -> AwardPublic:
    """Award the request by its rule (or fail it for too few valid bids); create the order and its grant."""
    now = _now(now)
    with db.transaction() as s:
        req = get_request_row(s, p, request_id)
        access.require_request_decider(p, req, now, "award the request")
        if req.status != RequestStatus.OPEN:
            raise Conflict(
                "the request is decided",
                errors=[{"field": "status", "reason": f"is {req.status}", "code": "state.not_allowed"}],
            )
        result, bids = _evaluate(s, req)
        comparison = _comparison(s, req, result, bids)
        before = audit.snapshot(req)
        order = None
        winner: int | None
        if result.outcome == AwardOutcome.TOO_FEW_BIDS:
            req.status, req.award_reason = RequestStatus.FAILED, data.reason
        else:
            if result.outcome == AwardOutcome.TIED:
                if data.bid_id not in result.tied_bid_ids:
                    raise InvalidInput.field(
                        "bid_id",
                        f"choose one of the tied bids {list(result.tied_bid_ids)}",
                        code="market.not_winner",
                    )
                winner = data.bid_id
            else:
                winner = result.winner_bid_id
                if data.bid_id is not None and data.bid_id != winner:
                    raise InvalidInput.field(
                        "bid_id", f"the rule's winner is bid {winner}", code="market.not_winner"
                    )
            if winner is None:  # never: TIED and AWARDED always name one
                raise RuntimeError("the award rule named no winner")
            bid = bids[winner]
            req.status, req.awarded_bid_id, req.awarded_at, req.award_reason = (
                RequestStatus.AWARDED,
                bid.id,
                now,
                data.reason,
            )
            order = ServiceOrder(
                park_id=req.park_id,
                enterprise_id=req.enterprise_id,
                provider_id=bid.provider_id,
                request_id=req.id,
                bid_id=bid.id,
                category=req.category,
                amount_cny=bid.amount_cny,
                status="active",
            )
            s.add(order)
            s.flush()
            if data.grant_scope is not None:
                ent = access.enterprise_of(s, p, req.enterprise_id)
                grant = create_grant_in(
                    s,
                    p,
                    ent,
                    GrantCreate(
                        enterprise_id=ent.id,
                        grantee_organisation_id=bid.provider_id,
                        scope=data.grant_scope,
                        note=f"订单 #{order.id} 履约数据授权 order-scoped grant",
                        expires_at=now + timedelta(days=data.grant_days),
                    ),
                    now=now,
                )
                order.grant_id = grant.id
            s.flush()
            audit.record(
                s,
                p,
                "market.order.create",
                entity="market_order",
                entity_id=order.id,
                park_id=req.park_id,
                enterprise_id=req.enterprise_id,
                after=audit.snapshot(order),
            )
        s.flush()
        audit.record(
            s,
            p,
            f"market.request.{result.outcome}",
            entity="market_request",
            entity_id=req.id,
            park_id=req.park_id,
            enterprise_id=req.enterprise_id,
            before=before,
            after={**(audit.snapshot(req) or {}), "comparison": comparison.model_dump(mode="json")},
        )
        return AwardPublic(
            request=request_public(s, p, req, now),
            comparison=comparison,
            order=order_public(s, order) if order is not None else None,
        )
