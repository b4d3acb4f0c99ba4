"""Award rules (询价, 综合评分) against hand-worked examples.

Every expected value below is worked by hand in the comment beside it from the rule's formula
(财政部令第87号 第五十五条: P_i = P_min / P_i × 100; S_i = Σ w × score), never by running our code.
Tolerance: Decimal arithmetic is exact for these inputs except the repeating decimals, which are
compared at 1e-12 (28 significant digits of Decimal leave far more than that).
"""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 — the worked examples read better

import pytest

from parkcarbon.core.market import (
    AWARD_RULES,
    CATEGORIES,
    SHELVES,
    AwardOutcome,
    AwardRule,
    BidInput,
    InvalidRule,
    ProcurementObject,
    Shelf,
    UnknownCategory,
    Weights,
    categories_on,
    category,
    evaluate,
    price_score,
)

TOL = D("1e-12")


def test_rfq_lowest_valid_price_wins_and_invalid_bids_are_named() -> None:
    # budget 100 000: A 98 000, B 92 500, C 88 000 (not compliant), D 105 000 (over budget), E 95 000
    # valid: A, B, E (3 ≥ 3) → B wins; order B, E, A; C and D invalid with their reasons
    bids = [
        BidInput(1, D("98000")), BidInput(2, D("92500")), BidInput(3, D("88000"), compliant=False),
        BidInput(4, D("105000")), BidInput(5, D("95000")),
    ]  # fmt: skip
    r = evaluate(AwardRule.RFQ, bids, budget_ceiling_cny=D("100000"))
    assert r.outcome == AwardOutcome.AWARDED
    assert r.winner_bid_id == 2
    assert r.valid_bids == 3
    assert r.base_price_cny == D("92500")
    assert [(b.bid_id, b.rank) for b in r.bids] == [(2, 1), (5, 2), (1, 3), (3, None), (4, None)]
    reasons = {b.bid_id: b.invalid_reason for b in r.bids}
    assert reasons == {1: None, 2: None, 3: "not_compliant", 4: "over_budget", 5: None}
    # price scores: E = 92 500 / 95 000 × 100 = 97.368421052631…, A = 92 500 / 98 000 × 100 = 94.387755102040…
    scores = {b.bid_id: b.price_score for b in r.bids}
    assert scores[2] == 100
    assert abs(scores[5] - D("97.36842105263157894736842105")) < TOL
    assert abs(scores[1] - D("94.38775510204081632653061224")) < TOL
    assert scores[3] is None and scores[4] is None


def test_rfq_with_two_valid_bids_fails_for_too_few() -> None:
    # 74号令: fewer than 3 suppliers quoting within the budget → the request is re-run
    bids = [BidInput(1, D("10")), BidInput(2, D("11")), BidInput(3, D("12"), compliant=False)]
    r = evaluate(AwardRule.RFQ, bids, budget_ceiling_cny=D("100"))
    assert r.outcome == AwardOutcome.TOO_FEW_BIDS
    assert r.winner_bid_id is None
    assert r.valid_bids == 2 and r.min_valid_bids == 3


def test_scored_highest_total_wins_over_lowest_price() -> None:
    # weights price 0.30 / technical 0.50 / service 0.20 (services: price floor 0.10 is met)
    # X 100 000, T 80, V 90: P = 90 000/100 000×100 = 90;  S = 27 + 40 + 18 = 85
    # Y  90 000, T 70, V 80: P = 100;                     S = 30 + 35 + 16 = 81
    # Z 120 000, T 95, V 95: P = 90 000/120 000×100 = 75;  S = 22.5 + 47.5 + 19 = 89
    w = Weights(price=D("0.30"), technical=D("0.50"), service=D("0.20"))
    bids = [
        BidInput(10, D("100000"), technical_score=D(80), service_score=D(90)),
        BidInput(11, D("90000"), technical_score=D(70), service_score=D(80)),
        BidInput(12, D("120000"), technical_score=D(95), service_score=D(95)),
    ]
    r = evaluate(AwardRule.SCORED, bids, weights=w, budget_ceiling_cny=D("150000"))
    assert r.outcome == AwardOutcome.AWARDED and r.winner_bid_id == 12
    got = {b.bid_id: (b.price_score, b.total_score, b.rank) for b in r.bids}
    assert got == {10: (D(90), D(85), 2), 11: (D(100), D(81), 3), 12: (D(75), D("89"), 1)}


def test_scored_equal_totals_rank_by_price_then_tie() -> None:
    # weights 0.5 / 0.5 / 0
    # D 100 000, T 60: P 100 → S = 50 + 30 = 80
    # E 125 000, T 80: P = 100 000/125 000×100 = 80 → S = 40 + 40 = 80 (same total, higher price → 2nd)
    # F 200 000, T 50: P 50 → S = 25 + 25 = 50
    w = Weights(price=D("0.5"), technical=D("0.5"), service=D("0"))
    bids = [
        BidInput(1, D("100000"), technical_score=D(60), service_score=D(0)),
        BidInput(2, D("125000"), technical_score=D(80), service_score=D(0)),
        BidInput(3, D("200000"), technical_score=D(50), service_score=D(0)),
    ]
    r = evaluate(AwardRule.SCORED, bids, weights=w)
    assert [(b.bid_id, b.rank) for b in r.bids] == [(1, 1), (2, 2), (3, 3)]
    assert r.winner_bid_id == 1
    # equal total AND price rank together: A 100, T 80 → 50 + 40 = 90; B the same; C 200, T 100 → 25 + 50
    tied = [
        BidInput(1, D("100"), technical_score=D(80), service_score=D(0)),
        BidInput(2, D("100"), technical_score=D(80), service_score=D(0)),
        BidInput(3, D("200"), technical_score=D(100), service_score=D(0)),
    ]
    t = evaluate(AwardRule.SCORED, tied, weights=w)
    assert t.outcome == AwardOutcome.TIED and t.tied_bid_ids == (1, 2) and t.winner_bid_id is None
    assert [b.rank for b in t.bids] == [1, 1, 3]


def test_scored_bids_without_scores_are_not_valid() -> None:
    w = Weights(price=D("0.4"), technical=D("0.4"), service=D("0.2"))
    bids = [
        BidInput(1, D("10"), technical_score=D(50), service_score=D(50)),
        BidInput(2, D("12"), technical_score=D(50)),
        BidInput(3, D("13"), technical_score=D(50), service_score=D(50)),
    ]
    r = evaluate(AwardRule.SCORED, bids, weights=w)
    assert {b.bid_id: b.invalid_reason for b in r.bids}[2] == "not_scored"
    assert r.outcome == AwardOutcome.TOO_FEW_BIDS


@pytest.mark.parametrize(
    ("obj", "price", "ok"),
    [
        (ProcurementObject.SERVICES, "0.10", True),  # the services floor itself is allowed
        (ProcurementObject.SERVICES, "0.09", False),
        (ProcurementObject.GOODS, "0.30", True),
        (ProcurementObject.GOODS, "0.29", False),
    ],
)
def test_price_weight_floor_of_article_55(obj: ProcurementObject, price: str, ok: bool) -> None:
    rest = (D(1) - D(price)) / 2
    w = Weights(price=D(price), technical=rest, service=rest)
    bids = [BidInput(i, D(10 + i), technical_score=D(50), service_score=D(50)) for i in range(3)]
    if ok:
        assert evaluate(AwardRule.SCORED, bids, weights=w, procurement_object=obj).valid_bids == 3
    else:
        with pytest.raises(InvalidRule, match="below the floor"):
            evaluate(AwardRule.SCORED, bids, weights=w, procurement_object=obj)


def test_rule_parameters_are_checked() -> None:
    bids = [BidInput(1, D(1)), BidInput(2, D(2)), BidInput(3, D(3))]
    with pytest.raises(InvalidRule, match="at least 3"):
        evaluate(AwardRule.RFQ, bids, min_valid_bids=2)
    with pytest.raises(InvalidRule, match="sum to 1"):
        evaluate(AwardRule.SCORED, bids, weights=Weights(D("0.5"), D("0.4"), D("0")))
    with pytest.raises(InvalidRule, match="needs weights"):
        evaluate(AwardRule.SCORED, bids)
    with pytest.raises(InvalidRule, match="positive"):
        evaluate(AwardRule.RFQ, [BidInput(1, D(0)), *bids[1:]])
    with pytest.raises(InvalidRule, match="positive"):
        price_score(D(1), D(-1))
    # a request may ask for more bids than the rule's minimum
    assert evaluate(AwardRule.RFQ, bids, min_valid_bids=4).outcome == AwardOutcome.TOO_FEW_BIDS


def test_rules_cite_their_clauses() -> None:
    for spec in AWARD_RULES.values():
        assert "财政部令" in spec.source and "第" in spec.clause and spec.confidence
        assert spec.min_valid_bids == 3


def test_two_shelves_with_bilingual_categories() -> None:
    assert {s.shelf for s in SHELVES} == {Shelf.ENERGY, Shelf.CARBON}
    assert [s.name_zh for s in SHELVES] == ["能源服务", "双碳服务"]  # seed §3.1.1
    assert len(categories_on(Shelf.ENERGY)) >= 5 and len(categories_on(Shelf.CARBON)) >= 5
    assert len({c.id for c in CATEGORIES}) == len(CATEGORIES)
    for c in CATEGORIES:
        assert c.name_zh and c.name_en and c.seed_ref
    assert category("carbon_inventory").shelf == Shelf.CARBON
    with pytest.raises(UnknownCategory, match="energy_audit"):
        category("haircut")
