"""Marketplace objects committed once per database and park, for tests that need existing ids (the tenancy
matrix's positive control and cross-tenant requests, the sealed-bid matrix).

The park's own provider and two more (created here) are approved; the requests whose deadline has passed
were raised and bid on two days ago (the services take ``now``), so they are opened today.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Engine

from parkcarbon.core.codes import credit_code_check_character
from parkcarbon.demo.seed import SeededPark
from parkcarbon.services.accounts import users
from parkcarbon.services.accounts.schemas import UserCreate
from parkcarbon.services.market import listings, orders, procurement, providers
from parkcarbon.services.market.schemas import (
    AwardCreate,
    BidCreate,
    Decision,
    DeliveryCreate,
    ListingCreate,
    ProviderApplication,
    QualificationCreate,
    RequestCreate,
    ReviewDecision,
)
from parkcarbon.services.principal import SYSTEM, MembershipInfo, Principal
from parkcarbon.services.registry import organisations
from parkcarbon.services.registry.schemas import OrganisationCreate
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope, OrgKind, Role

_CACHE: dict[tuple[str, int], MarketWorld] = {}


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character computed per §5)."""
    first17 = f"91320500MA{n:07d}"
    return first17 + credit_code_check_character(first17)


def as_provider(park: SeededPark, provider_id: int) -> Principal:
    return Principal(
        label=f"provider-{provider_id}",
        memberships=(MembershipInfo(provider_id, park.park_id, Role.PROVIDER, OrgKind.SERVICE_PROVIDER),),
    )


def as_enterprise_admin(park: SeededPark) -> Principal:
    ent = park.enterprise_ids[0]
    return Principal(
        label="enterprise-admin",
        user_id=park.user_ids["enterprise_admin"],
        memberships=(MembershipInfo(ent, park.park_id, Role.ENTERPRISE_ADMIN, OrgKind.ENTERPRISE),),
    )


@dataclass
class MarketWorld:
    providers: list[int]
    ids: dict[str, int] = field(default_factory=dict)
    amounts: dict[int, float] = field(default_factory=dict)  # bid id -> amount


def closed_request(
    db: Database,
    park: SeededPark,
    provider_ids: list[int],
    amounts: list[float],
    *,
    title: str,
    listing_id: int | None,
) -> tuple[int, list[int]]:
    """A request raised two days ago whose deadline passed yesterday, with one bid per provider."""
    t0 = datetime.now(UTC) - timedelta(days=2)
    ent = as_enterprise_admin(park)
    req = procurement.create_request(
        db,
        ent,
        RequestCreate(
            enterprise_id=park.enterprise_ids[0],
            listing_id=listing_id,
            category="energy_audit",
            title=title,
            scope="测试范围 matrix scope",
            budget_ceiling_cny=200_000.0,
            deadline=t0 + timedelta(days=1),
        ),
        now=t0,
    )
    bids = [
        procurement.submit_bid(
            db,
            as_provider(park, pid),
            req.id,
            BidCreate(provider_id=pid, amount_cny=amt, proposal=f"方案 {pid}"),
            now=t0 + timedelta(hours=1),
        ).id
        for pid, amt in zip(provider_ids, amounts, strict=True)
    ]
    return req.id, bids


def market_objects(engine: Engine, park: SeededPark) -> MarketWorld:
    key = (str(engine.url), park.park_id)
    if key in _CACHE:
        return _CACHE[key]
    db = Database(engine)
    extra = [
        organisations.create_organisation(
            db,
            SYSTEM,
            OrganisationCreate(park_id=park.park_id, kind=OrgKind.SERVICE_PROVIDER, name=name, name_en=en),
        ).id
        for name, en in (
            ("绿能工程技术有限公司", "Lvneng Engineering Co."),
            ("碳衡咨询有限公司", "Tanheng Consulting Co."),
        )
    ]
    pids = [park.provider_id, *extra]
    # a user of the second provider (a competitor of the park's own provider user)
    users.create_user_unchecked(
        db,
        SYSTEM,
        UserCreate(
            email=f"provider2@{park.code}.example.cn",
            display_name="竞争服务商",
            password=SecretStr(park.password),
            organisation_id=extra[0],
            role=Role.PROVIDER,
            language=None,
        ),
    )  # type: ignore[arg-type]
    for i, pid in enumerate(pids):
        providers.apply(
            db,
            as_provider(park, pid),
            pid,
            ProviderApplication(
                credit_code=credit_code(park.park_id * 10 + i), description="节能与碳管理服务"
            ),
        )
        providers.decide(db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE))
    p1 = as_provider(park, park.provider_id)
    qual = providers.add_qualification(
        db,
        p1,
        park.provider_id,
        QualificationCreate(
            kind="energy_audit",
            number="NJ-2026-001",
            issuer="江苏省节能协会",
            valid_until="2030-12-31",
            filename="cert.csv",
            content_base64=base64.b64encode(b"cert,no\nNJ,1\n").decode(),
        ),
    )  # type: ignore[arg-type]
    listing = listings.create_listing(
        db,
        p1,
        ListingCreate(
            provider_id=park.provider_id,
            category="energy_audit",
            title="能源审计",
            scope="GB/T 17166 能源审计",
            price_model="fixed",
            list_price_cny=50_000.0,
            regions=["CN-JS"],
            qualification_ids=[qual.id],
        ),
    )  # type: ignore[arg-type]
    listings.decide_listing(db, SYSTEM, listing.id, ReviewDecision(decision=Decision.APPROVE))
    pending = listings.create_listing(
        db,
        p1,
        ListingCreate(
            provider_id=park.provider_id, category="carbon_inventory", title="碳盘查", scope="GB/T 32150"
        ),
    )
    world = MarketWorld(providers=pids)
    ent = as_enterprise_admin(park)

    # the matrix's closed request: 3 bids, not awarded; the lowest (first provider) wins under 询价
    amounts = [90_001.11, 95_002.22, 99_003.33]
    req_id, bids = closed_request(db, park, pids, amounts, title="已截止的询价", listing_id=listing.id)
    world.amounts.update(zip(bids, amounts, strict=True))
    # three awarded requests: an active order (with a meter-data grant), a delivered one, a closed one
    order_ids = []
    for n in range(3):
        r, _ = closed_request(
            db, park, pids, [80_000.0 + n, 85_000.0, 88_000.0], title=f"已定标 {n}", listing_id=None
        )
        result = procurement.award(
            db,
            ent,
            r,
            AwardCreate(reason="最低价 lowest valid price", grant_scope=GrantScope.METER_DATA, grant_days=90),
        )
        assert result.order is not None
        order_ids.append(result.order.id)
    orders.deliver(db, p1, order_ids[1], DeliveryCreate(note="审计报告已交付"))
    orders.deliver(db, p1, order_ids[2], DeliveryCreate(note="审计报告已交付"))
    orders.accept(db, ent, order_ids[2])
    # an open request (deadline in 2030) with the first provider's sealed bid
    open_req = procurement.create_request(
        db,
        ent,
        RequestCreate(
            enterprise_id=park.enterprise_ids[0],
            category="energy_audit",
            title="开放中的询价",
            scope="open scope",
            budget_ceiling_cny=100_000.0,
            deadline="2030-01-01T00:00:00+08:00",
        ),
    )  # type: ignore[arg-type]
    open_bid = procurement.submit_bid(
        db,
        p1,
        open_req.id,
        BidCreate(provider_id=park.provider_id, amount_cny=77_777.77, proposal="sealed 密封方案"),
    )
    world.amounts[open_bid.id] = 77_777.77
    world.ids = {
        "provider_id": park.provider_id,
        "listing_id": listing.id,
        "pending_listing_id": pending.id,
        "qualification_id": qual.id,
        "request_id": req_id,
        "bid_id": bids[0],
        "other_bid_id": bids[1],
        "order_id": order_ids[0],
        "delivered_order_id": order_ids[1],
        "closed_order_id": order_ids[2],
        "open_request_id": open_req.id,
        "open_bid_id": open_bid.id,
    }
    _CACHE[key] = world
    return world
