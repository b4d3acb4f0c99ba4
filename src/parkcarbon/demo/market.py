"""The demo park's marketplace (演示园区的服务生态): approved providers, listings on both shelves, and
one completed purchase — a request past its deadline with three bids, awarded by 询价, delivered,
accepted (its order-scoped meter-data grant revoked) and rated — plus one open request still sealed.

Everything goes through the marketplace services, acting as the parties themselves (the demo's
provider user for the park's own provider, the enterprise admin of the buyer); the other providers act
through principals of their organisations. Deterministic: fixed names, codes, amounts and times
relative to ``now``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from parkcarbon.core.codes import credit_code_check_character
from parkcarbon.core.market import PriceModel
from parkcarbon.demo.seed import SeededPark
from parkcarbon.services.market import listings, orders, procurement, providers
from parkcarbon.services.market.schemas import (
    AwardCreate,
    BidCreate,
    Decision,
    DeliveryCreate,
    ListingCreate,
    ProviderApplication,
    QualificationCreate,
    QualificationKind,
    RatingCreate,
    RequestCreate,
    ReviewDecision,
)
from parkcarbon.services.principal import SYSTEM, MembershipInfo, Principal
from parkcarbon.services.registry import organisations
from parkcarbon.services.registry.schemas import OrganisationCreate
from parkcarbon.store.db import Database
from parkcarbon.vocab import GrantScope, OrgKind, Role

#: (name, English name) of the providers the demo adds to the park's own one
EXTRA_PROVIDERS: list[tuple[str, str]] = [
    ("苏源能效科技有限公司", "Suyuan Energy Efficiency Technology Co., Ltd."),
    ("江南碳衡咨询有限公司", "Jiangnan Tanheng Carbon Consulting Co., Ltd."),
    ("长三角光储工程有限公司", "YRD Solar & Storage Engineering Co., Ltd."),
]

#: (provider index, category, title, English title, price model, list price CNY, unit)
LISTINGS: list[tuple[int, str, str, str, str, float | None, str | None]] = [
    (
        0,
        "energy_audit",
        "企业能源审计（GB/T 17166）",
        "Corporate energy audit (GB/T 17166)",
        "fixed",
        48_000.0,
        None,
    ),
    (
        0,
        "energy_saving_retrofit",
        "空压机与水泵变频节能改造",
        "VFD retrofit of compressors and pumps",
        "savings_share",
        None,
        None,
    ),
    (1, "power_quality", "谐波与无功治理", "Harmonics and reactive-power treatment", "quotation", None, None),
    # price per Wp: the price column names the currency
    (3, "pv_storage_epc", "屋顶分布式光伏 EPC", "Rooftop PV EPC", "per_unit", 3.2, "Wp"),
    (
        2,
        "carbon_inventory",
        "组织碳盘查（GB/T 32150 / ISO 14064-1）",
        "Organisational carbon inventory",
        "fixed",
        36_000.0,
        None,
    ),
    (
        2,
        "product_footprint",
        "产品碳足迹（ISO 14067）",
        "Product carbon footprint (ISO 14067)",
        "per_unit",
        28_000.0,
        "元/产品",
    ),
    (2, "cbam_report", "CBAM 排放数据报告", "CBAM emissions report", "quotation", None, None),
    (1, "green_finance", "绿色信贷项目咨询", "Green-loan project advisory", "quotation", None, None),
]

#: the completed purchase's bids (provider index → amount CNY): 询价, the lowest valid price wins
COMPLETED_BIDS = {0: 45_800.0, 1: 47_500.0, 3: 52_000.0}


@dataclass
class DemoMarket:
    provider_ids: list[int] = field(default_factory=list)
    listing_ids: list[int] = field(default_factory=list)
    completed_request_id: int = 0
    completed_order_id: int = 0
    open_request_id: int = 0


def _credit_code(n: int) -> str:
    first17 = f"91320594MA{n:07d}"  # 320594: 苏州工业园区
    return first17 + credit_code_check_character(first17)


def _as(org_id: int, park_id: int, role: Role, kind: OrgKind, user_id: int | None, label: str) -> Principal:
    return Principal(label=label, user_id=user_id, memberships=(MembershipInfo(org_id, park_id, role, kind),))


def seed_market_demo(db: Database, seeded: SeededPark, *, now: datetime) -> DemoMarket:
    """The demo park's marketplace (module docstring)."""
    park_id = seeded.park_id
    out = DemoMarket()
    extra = [
        organisations.create_organisation(
            db,
            SYSTEM,
            OrganisationCreate(park_id=park_id, kind=OrgKind.SERVICE_PROVIDER, name=name, name_en=en),
        ).id
        for name, en in EXTRA_PROVIDERS
    ]
    out.provider_ids = [seeded.provider_id, *extra]
    actors = [
        _as(
            pid,
            park_id,
            Role.PROVIDER,
            OrgKind.SERVICE_PROVIDER,
            seeded.user_ids.get("provider") if pid == seeded.provider_id else None,
            f"provider-{pid}",
        )
        for pid in out.provider_ids
    ]
    evidence = base64.b64encode("资质证书编号,有效期\nDEMO,2029-12-31\n".encode()).decode()
    valid_until = (now + timedelta(days=3 * 365)).date()
    quals: list[int] = []
    for i, (pid, actor) in enumerate(zip(out.provider_ids, actors, strict=True)):
        providers.apply(
            db,
            actor,
            pid,
            ProviderApplication(
                credit_code=_credit_code(100 + i),
                description="园区能碳综合服务 energy and carbon services",
                contact="服务热线 0512-0000000",
            ),
            now=now - timedelta(days=120),
        )
        providers.decide(
            db, SYSTEM, pid, ReviewDecision(decision=Decision.APPROVE), now=now - timedelta(days=115)
        )
        kind = QualificationKind.CARBON_VERIFICATION if i == 2 else QualificationKind.EPC_FILING
        quals.append(
            providers.add_qualification(
                db,
                actor,
                pid,
                QualificationCreate(
                    kind=kind,
                    number=f"DEMO-{i + 1:03d}",
                    issuer="演示发证机关 demo issuer",
                    valid_until=valid_until,
                    filename="certificate.csv",
                    content_base64=evidence,
                ),
            ).id
        )
    for idx, cat, title, title_en, model, price, unit in LISTINGS:
        listing = listings.create_listing(
            db,
            actors[idx],
            ListingCreate(
                provider_id=out.provider_ids[idx],
                category=cat,
                title=title,
                title_en=title_en,
                scope=f"{title}：现场调研、数据分析、报告与改进建议。",
                price_model=PriceModel(model),
                list_price_cny=price,
                price_unit=unit,
                regions=["CN-JS"],
                qualification_ids=[quals[idx]],
            ),
        )
        listings.decide_listing(
            db, SYSTEM, listing.id, ReviewDecision(decision=Decision.APPROVE), now=now - timedelta(days=100)
        )
        out.listing_ids.append(listing.id)

    buyer_id = seeded.enterprise_ids[0]
    buyer = _as(
        buyer_id,
        park_id,
        Role.ENTERPRISE_ADMIN,
        OrgKind.ENTERPRISE,
        seeded.user_ids.get("enterprise_admin"),
        "enterprise-admin",
    )
    t0 = now - timedelta(days=40)
    req = procurement.create_request(
        db,
        buyer,
        RequestCreate(
            enterprise_id=buyer_id,
            listing_id=out.listing_ids[0],
            title="2025 年度企业能源审计",
            scope="按 GB/T 17166 开展年度能源审计，提交审计报告与节能改造建议。",
            budget_ceiling_cny=60_000.0,
            deadline=t0 + timedelta(days=10),
        ),
        now=t0,
    )
    for idx, amount in COMPLETED_BIDS.items():
        procurement.submit_bid(
            db,
            actors[idx],
            req.id,
            BidCreate(
                provider_id=out.provider_ids[idx], amount_cny=amount, proposal="审计方案、人员与进度安排"
            ),
            now=t0 + timedelta(days=2 + idx),
        )
    award = procurement.award(
        db,
        buyer,
        req.id,
        AwardCreate(
            reason="询价：最低有效报价 lowest valid price", grant_scope=GrantScope.METER_DATA, grant_days=60
        ),
        now=t0 + timedelta(days=11),
    )
    if award.order is None:  # never: three valid bids within the budget
        raise RuntimeError("the demo request was not awarded")
    winner = actors[0]
    orders.deliver(
        db,
        winner,
        award.order.id,
        DeliveryCreate(note="能源审计报告（终稿）已提交"),
        now=now - timedelta(days=12),
    )
    orders.accept(db, buyer, award.order.id, now=now - timedelta(days=8))
    orders.rate(db, buyer, award.order.id, RatingCreate(stars=5, comment="报告扎实，改进建议可落地。"))
    out.completed_request_id, out.completed_order_id = req.id, award.order.id
    open_req = procurement.create_request(
        db,
        buyer,
        RequestCreate(
            enterprise_id=buyer_id,
            listing_id=out.listing_ids[4],
            title="组织碳盘查（上一年度）",
            scope="按 GB/T 32150 与省级指南完成组织碳盘查。",
            budget_ceiling_cny=50_000.0,
            deadline=now + timedelta(days=14),
        ),
        now=now,
    )
    procurement.submit_bid(
        db,
        actors[2],
        open_req.id,
        BidCreate(provider_id=out.provider_ids[2], amount_cny=34_500.0, proposal="盘查方案"),
        now=now,
    )
    out.open_request_id = open_req.id
    return out
