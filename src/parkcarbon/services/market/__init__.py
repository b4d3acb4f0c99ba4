"""The marketplace end (服务生态端, seed §3.1.1): provider onboarding, the two shelves, purchase requests
with sealed bids and rule-based awards, orders with order-scoped data grants, and ratings.

Modules: :mod:`.providers` (入驻), :mod:`.listings` (上架), :mod:`.procurement` (采购申请、投标、定标),
:mod:`.orders` (订单、验收、评价、园区概览), :mod:`.ocds` (OCDS 1.1 releases), :mod:`.demo` (demo data).
Access decisions are made in :mod:`parkcarbon.services.access.market`.
"""

from __future__ import annotations

from parkcarbon.core.market import AWARD_RULES, PRICE_MODELS, PRICE_WEIGHT_FLOOR, SHELVES, categories_on
from parkcarbon.services.market.schemas import AwardRulePublic, CataloguePublic, CategoryPublic, ShelfPublic


def catalogue() -> CataloguePublic:
    """The two shelves with their categories, the price models and the award rules with their sources."""
    return CataloguePublic(
        shelves=[
            ShelfPublic(
                shelf=sh.shelf,
                name_zh=sh.name_zh,
                name_en=sh.name_en,
                categories=[
                    CategoryPublic(
                        id=c.id, shelf=c.shelf, name_zh=c.name_zh, name_en=c.name_en, seed_ref=c.seed_ref
                    )
                    for c in categories_on(sh.shelf)
                ],
            )
            for sh in SHELVES
        ],
        price_models=dict(PRICE_MODELS),
        award_rules=[
            AwardRulePublic(
                rule=r.rule,
                name_zh=r.name_zh,
                name_en=r.name_en,
                min_valid_bids=r.min_valid_bids,
                source=r.source,
                clause=r.clause,
                confidence=r.confidence,
            )
            for r in AWARD_RULES.values()
        ],
        price_weight_floor={k: float(v) for k, v in PRICE_WEIGHT_FLOOR.items()},
    )
