"""Award rules of a purchase request (评审规则): 询价 (lowest compliant price) and 综合评分 (weighted scores).

Rules are data (:data:`AWARD_RULES`), each row citing the clause it follows and a confidence. The
platform applies the Chinese government-procurement rules as a *model* for private purchasing between
park enterprises and providers: enterprises are not bound by them, but they are the rules Chinese buyers
and providers know, so the defaults follow them and the deviations a request may choose are named.

询价 (request for quotation)
    Among valid bids (compliant, within the budget ceiling) the lowest price wins. At least
    ``min_valid_bids`` (3) valid bids are needed, else the request fails and is re-run.
    — 《政府采购非招标采购方式管理办法》(财政部令第74号, 2013): 询价 invites no fewer than 3 qualified
    suppliers (第十二条) and the supplier with the lowest price whose quality and service meet the
    requirements is chosen (第四十八/四十九条); the procedure is ended when fewer than 3 suppliers
    compete or quote within the budget (第三十七条, applied to 询价 by 第五十一条). Article numbers:
    confidence **medium** (recalled from the order's text; the stored sources found only secondary
    rule tables citing 74号令 for 询价 (e.g. 第45条, 3 working days), not the primary text).

综合评分 (weighted scoring)
    price score P_i = P_min / P_i × 100, where P_min is the lowest valid price (评标基准价) — the
    low-price-first method (低价优先法) of 《政府采购货物和服务招标投标管理办法》(财政部令第87号, 2017)
    第五十五条; total S_i = w_price × P_i + w_tech × T_i + w_service × V_i with scores on 0–100 and the
    weights summing to 1; the price weight is at least 10 % for services and 30 % for goods (same
    article); ranking by total, then by price ascending; equal total and price rank together (same
    article). Confidence **medium-high**: the formula and the 30 % goods floor are quoted, with 第五十五条,
    by several independent rule tables in the stored sources; the 10 % services floor and the tie rule
    are from the order's text as we recall it (not found verbatim in the stored sources).
    At least 3 valid bids: 《中华人民共和国政府采购法》(2014 amendment) 第三十六条 (一) — too few
    responsive suppliers (不足三家) ends the tender (废标). Confidence medium.

Everything here is pure: plain inputs in, typed results out; no database, clock or I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "AWARD_RULES",
    "PRICE_WEIGHT_FLOOR",
    "AwardOutcome",
    "AwardResult",
    "AwardRule",
    "BidInput",
    "InvalidRule",
    "ProcurementObject",
    "RuleSpec",
    "ScoredBid",
    "Weights",
    "evaluate",
    "price_score",
]


class AwardRule(StrEnum):
    RFQ = "rfq"  # 询价: lowest valid price
    SCORED = "scored"  # 综合评分: weighted price, technical and service scores


class ProcurementObject(StrEnum):
    """What is bought (采购对象), which sets the price-weight floor."""

    SERVICES = "services"  # 服务
    GOODS = "goods"  # 货物


class AwardOutcome(StrEnum):
    AWARDED = "awarded"  # one best bid
    TIED = "tied"  # equal best bids: the buyer chooses among ``tied_bid_ids`` with a reason
    TOO_FEW_BIDS = "too_few_bids"  # fewer valid bids than the rule needs: re-run the request


class InvalidRule(ValueError):
    """The rule's parameters are not allowed (weights not summing to 1, price weight below the floor …)."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    rule: AwardRule
    name_zh: str
    name_en: str
    min_valid_bids: int
    source: str
    clause: str
    confidence: str


AWARD_RULES: dict[AwardRule, RuleSpec] = {
    AwardRule.RFQ: RuleSpec(
        AwardRule.RFQ,
        "询价",
        "Request for quotation (lowest valid price)",
        3,
        "《政府采购非招标采购方式管理办法》财政部令第74号 (2013)",
        "第十二条 (≥3 suppliers invited); 第四十八—四十九条 (lowest price meeting the requirements); "
        "第三十七条 via 第五十一条 (fewer than 3 → ended)",
        "medium",
    ),
    AwardRule.SCORED: RuleSpec(
        AwardRule.SCORED,
        "综合评分",
        "Weighted scoring (price, technical, service)",
        3,
        "《政府采购货物和服务招标投标管理办法》财政部令第87号 (2017); 《政府采购法》(2014) 第三十六条",
        "第五十五条 (price score = 评标基准价 / 投标报价 × 100; price weight ≥ 10 % services, ≥ 30 % goods; "
        "ranking and ties); 政府采购法 第三十六条 (一) (fewer than 3 responsive bids → 废标)",
        "medium-high",
    ),
}

#: Lowest share of the price score in the total (财政部令第87号 第五十五条).
PRICE_WEIGHT_FLOOR: dict[ProcurementObject, Decimal] = {
    ProcurementObject.SERVICES: Decimal("0.10"),
    ProcurementObject.GOODS: Decimal("0.30"),
}


@dataclass(frozen=True, slots=True)
class Weights:
    """Shares of the price, technical and service scores in the total (Σ = 1)."""

    price: Decimal
    technical: Decimal
    service: Decimal

    def check(self, obj: ProcurementObject) -> None:
        total = self.price + self.technical + self.service
        if any(w < 0 for w in (self.price, self.technical, self.service)):
            raise InvalidRule("weights must not be negative")
        if total != 1:
            raise InvalidRule(f"weights must sum to 1; they sum to {total}")
        floor = PRICE_WEIGHT_FLOOR[obj]
        if self.price < floor:
            raise InvalidRule(
                f"the price weight {self.price} is below the floor {floor} for {obj.value} "
                "(财政部令第87号 第五十五条)"
            )


@dataclass(frozen=True, slots=True)
class BidInput:
    """A bid as the rule sees it, after opening.

    ``compliant`` is the buyer's finding that the bid responds to the request (实质性响应);
    ``technical_score`` and ``service_score`` are on 0–100 (综合评分 only).
    """

    bid_id: int
    amount_cny: Decimal
    compliant: bool = True
    technical_score: Decimal | None = None
    service_score: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ScoredBid:
    bid_id: int
    amount_cny: Decimal
    valid: bool
    invalid_reason: str | None  # "not_compliant" | "over_budget" | "not_scored" | None
    price_score: Decimal | None  # 0–100
    technical_score: Decimal | None
    service_score: Decimal | None
    total_score: Decimal | None  # 综合评分 only
    rank: int | None  # 1 = best; equal bids share a rank


@dataclass(frozen=True, slots=True)
class AwardResult:
    rule: AwardRule
    outcome: AwardOutcome
    winner_bid_id: int | None
    tied_bid_ids: tuple[int, ...]
    valid_bids: int
    min_valid_bids: int
    base_price_cny: Decimal | None  # 评标基准价: the lowest valid price
    bids: tuple[ScoredBid, ...]  # in ranking order, invalid bids last
    source: str
    clause: str
    confidence: str


_HUNDRED = Decimal(100)


def price_score(base_price_cny: Decimal, amount_cny: Decimal) -> Decimal:
    """Price score P = P_min / P × 100 (财政部令第87号 第五十五条, 低价优先法) [0–100]."""
    if amount_cny <= 0 or base_price_cny <= 0:
        raise InvalidRule("prices must be positive")
    return base_price_cny / amount_cny * _HUNDRED


def evaluate(
    rule: AwardRule,
    bids: list[BidInput],
    *,
    budget_ceiling_cny: Decimal | None = None,
    weights: Weights | None = None,
    procurement_object: ProcurementObject = ProcurementObject.SERVICES,
    min_valid_bids: int | None = None,
) -> AwardResult:
    """Rank ``bids`` under ``rule`` and name the winner (or why there is none).

    A bid is valid when it is compliant and its amount does not exceed ``budget_ceiling_cny``
    (a bid over the budget is refused: 74号令 第三十七条 counts only suppliers quoting within the budget);
    under 综合评分 it also needs its technical and service scores. ``min_valid_bids`` may only raise the
    rule's minimum (3), never lower it.
    """
    spec = AWARD_RULES[rule]
    needed = spec.min_valid_bids if min_valid_bids is None else min_valid_bids
    if needed < spec.min_valid_bids:
        raise InvalidRule(f"{spec.name_en} needs at least {spec.min_valid_bids} valid bids; got {needed}")
    if rule == AwardRule.SCORED:
        if weights is None:
            raise InvalidRule("weighted scoring needs weights")
        weights.check(procurement_object)
    if len({b.bid_id for b in bids}) != len(bids):
        raise InvalidRule("bid ids repeat")

    def reason(b: BidInput) -> str | None:
        if b.amount_cny <= 0:
            raise InvalidRule(f"bid {b.bid_id}: amount must be positive")
        if not b.compliant:
            return "not_compliant"
        if budget_ceiling_cny is not None and b.amount_cny > budget_ceiling_cny:
            return "over_budget"
        if rule == AwardRule.SCORED and (b.technical_score is None or b.service_score is None):
            return "not_scored"
        for s in (b.technical_score, b.service_score):
            if s is not None and not 0 <= s <= _HUNDRED:
                raise InvalidRule(f"bid {b.bid_id}: scores are on 0–100")
        return None

    reasons = {b.bid_id: reason(b) for b in bids}
    valid = [b for b in bids if reasons[b.bid_id] is None]
    base = min((b.amount_cny for b in valid), default=None)

    def scored(b: BidInput) -> ScoredBid:
        ok = reasons[b.bid_id] is None
        p = price_score(base, b.amount_cny) if ok and base is not None else None
        total = None
        tech, service = b.technical_score, b.service_score
        scored_rule = ok and rule == AwardRule.SCORED and weights is not None
        # tech and service are always present here: reason() refuses unscored bids
        if scored_rule and p is not None and weights is not None and tech is not None and service is not None:
            total = weights.price * p + weights.technical * tech + weights.service * service
        return ScoredBid(
            bid_id=b.bid_id,
            amount_cny=b.amount_cny,
            valid=ok,
            invalid_reason=reasons[b.bid_id],
            price_score=p,
            technical_score=b.technical_score,
            service_score=b.service_score,
            total_score=total,
            rank=None,
        )

    rows = [scored(b) for b in bids]

    # 第五十五条: by total descending, then price ascending; equal total and price rank together
    # (询价: by price ascending only)
    def key(r: ScoredBid) -> tuple[Decimal, Decimal]:
        return (-(r.total_score or Decimal(0)) if rule == AwardRule.SCORED else Decimal(0), r.amount_cny)

    ranked = sorted((r for r in rows if r.valid), key=key)
    out: list[ScoredBid] = []
    rank = 0
    previous: tuple[Decimal, Decimal] | None = None
    for i, r in enumerate(ranked, start=1):
        k = key(r)
        if k != previous:
            rank, previous = i, k
        out.append(_with_rank(r, rank))
    out.extend(r for r in rows if not r.valid)

    top = [r.bid_id for r in out if r.rank == 1]
    tied: tuple[int, ...]
    winner: int | None
    if len(valid) < needed:
        outcome, winner, tied = AwardOutcome.TOO_FEW_BIDS, None, ()
    elif len(top) > 1:
        outcome, winner, tied = AwardOutcome.TIED, None, tuple(top)
    else:
        outcome, winner, tied = AwardOutcome.AWARDED, top[0], ()
    return AwardResult(
        rule=rule,
        outcome=outcome,
        winner_bid_id=winner,
        tied_bid_ids=tied,
        valid_bids=len(valid),
        min_valid_bids=needed,
        base_price_cny=base,
        bids=tuple(out),
        source=spec.source,
        clause=spec.clause,
        confidence=spec.confidence,
    )


def _with_rank(r: ScoredBid, rank: int) -> ScoredBid:
    return ScoredBid(
        bid_id=r.bid_id,
        amount_cny=r.amount_cny,
        valid=r.valid,
        invalid_reason=r.invalid_reason,
        price_score=r.price_score,
        technical_score=r.technical_score,
        service_score=r.service_score,
        total_score=r.total_score,
        rank=rank,
    )
