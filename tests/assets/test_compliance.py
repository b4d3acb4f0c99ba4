"""Position and least-cost strategy: a hand-worked case, and the greedy optimum against an LP solver
(scipy's HiGHS) on random cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.core.assets import (
    InstrumentKind,
    Ledger,
    Lot,
    SerialRange,
    Transaction,
    TxKind,
    least_cost_plan,
    position,
)
from parkcarbon.core.assets.ledger import Account, AccountRole, Balance

D = Decimal
ENT = 1
ON = date(2025, 12, 1)  # after the 2025-11-18 plan that sets the 2024 surrender deadline


def _holdings() -> list[Balance]:
    ledger = Ledger()
    ccer = Lot(InstrumentKind.CCER, project="P1", methodology="CCER-01-001", vintage=2024)
    for vintage, q in ((2024, 8000), (2025, 1000)):
        ledger.apply(
            Transaction(
                TxKind.FREE_ALLOCATION, ENT, date(2025, 1, 10), Lot(InstrumentKind.CEA, vintage=vintage), D(q)
            )
        )
    ledger.apply(
        Transaction(TxKind.PURCHASE, ENT, date(2025, 2, 1), ccer, D(300), (SerialRange("K", 1, 300),))
    )
    return ledger.holdings(ENT)


def test_hand_worked_position_and_plan() -> None:
    """Obligation 10 000 t (verified 2024); holds CEA 8 000 t of 2024 and 1 000 t of 2025, CCER 300 t.

    Position: CCER cap = 5 % × 10 000 = 500 t; usable CEA = 8 000 (2025 vintage not usable: no
    borrowing); usable CCER = 300; shortfall = 10 000 − 8 300 = 1 700 t.
    Plan at CEA 90 and CCER 60 CNY/t (CCER cheaper): surrender the 300 held CCER, buy 200 CCER (fills
    the 500 t cap: 12 000 CNY), surrender the 8 000 held CEA, buy 1 500 CEA (135 000 CNY).
    Cash 147 000 CNY; buying all 2 000 missing as CEA would cost 180 000 CNY.
    """
    pos = position(year=2024, obligation_tco2e=D(10_000), holdings=_holdings(), on=ON)
    assert pos.ccer_cap_tco2e == D(500)
    assert (pos.usable_cea_tco2e, pos.held_cea_tco2e, pos.usable_ccer_tco2e) == (D(8000), D(9000), D(300))
    assert pos.shortfall_tco2e == D(1700)
    assert pos.surplus_tco2e == 0
    assert pos.surrender_due == date(2025, 12, 31)
    # before that plan was issued, no deadline rule was in force: none is invented
    early = position(year=2024, obligation_tco2e=D(10_000), holdings=_holdings(), on=date(2025, 9, 1))
    assert early.surrender_due is None
    plan = least_cost_plan(pos, cea_price_cny_per_t=D(90), ccer_price_cny_per_t=D(60))
    lines = [(ln.action, ln.instrument, ln.quantity_tco2e, ln.cash_cny) for ln in plan.lines]
    assert lines == [
        ("surrender_held", "ccer", D(300), D(0)),
        ("buy_and_surrender", "ccer", D(200), D(12_000)),
        ("surrender_held", "cea", D(8000), D(0)),
        ("buy_and_surrender", "cea", D(1500), D(135_000)),
    ]
    assert plan.cash_cny == D(147_000)
    assert plan.all_cea_cash_cny == D(180_000)
    assert plan.economic_cost_cny == D(300 * 60 + 200 * 60 + 8000 * 90 + 1500 * 90)
    assert {(u.id, u.version) for u in plan.rules_used} >= {("ccer.offset_cap_fraction", 2)}


def test_expensive_ccer_is_not_used_and_surplus_is_kept() -> None:
    pos = position(year=2024, obligation_tco2e=D(7000), holdings=_holdings(), on=ON)
    plan = least_cost_plan(pos, cea_price_cny_per_t=D(90), ccer_price_cny_per_t=D(95))
    lines = [(ln.action, ln.instrument, ln.quantity_tco2e) for ln in plan.lines]
    assert lines == [("surrender_held", "cea", D(7000)), ("keep", "cea", D(1000)), ("keep", "ccer", D(300))]
    assert plan.cash_cny == 0
    assert pos.surplus_tco2e == D(1000) + D(300)


def test_already_surrendered_ccer_reduces_the_open_cap() -> None:
    pos = position(
        year=2024,
        obligation_tco2e=D(10_000),
        holdings=[],
        surrendered_tco2e=D(400),
        surrendered_ccer_tco2e=D(400),
        on=ON,
    )
    assert (pos.remaining_tco2e, pos.ccer_cap_open_tco2e) == (D(9600), D(100))
    plan = least_cost_plan(pos, cea_price_cny_per_t=D(80), ccer_price_cny_per_t=D(50))
    assert [(ln.instrument, ln.quantity_tco2e) for ln in plan.lines] == [("ccer", D(100)), ("cea", D(9500))]


@settings(max_examples=60, deadline=None)
@given(
    obligation=st.integers(0, 50_000),
    held_cea=st.integers(0, 40_000),
    held_ccer=st.integers(0, 5_000),
    p_cea=st.integers(1, 200),
    p_ccer=st.integers(1, 200),
)
def test_plan_matches_the_lp_optimum(
    obligation: int, held_cea: int, held_ccer: int, p_cea: int, p_ccer: int
) -> None:
    """The greedy plan's economic cost equals the optimum of the LP in compliance.py's docstring."""
    linprog = pytest.importorskip("scipy.optimize").linprog
    holding = Account(ENT, AccountRole.HOLDING)
    holdings = [
        Balance(holding, Lot(InstrumentKind.CEA, vintage=2024), D(held_cea)),
        Balance(holding, Lot(InstrumentKind.CCER, project="P", methodology="M", vintage=2024), D(held_ccer)),
    ]
    holdings = [b for b in holdings if b.quantity > 0]
    pos = position(year=2024, obligation_tco2e=D(obligation), holdings=holdings, on=ON)
    plan = least_cost_plan(pos, cea_price_cny_per_t=D(p_cea), ccer_price_cny_per_t=D(p_ccer))
    # x = [h_cea, b_cea, h_ccer, b_ccer]
    cap = obligation * 0.05
    result = linprog(
        c=[p_cea, p_cea, p_ccer, p_ccer],
        A_ub=[[0, 0, 1, 1]],
        b_ub=[cap],
        A_eq=[[1, 1, 1, 1]],
        b_eq=[obligation],
        bounds=[(0, held_cea), (0, None), (0, held_ccer), (0, None)],
        method="highs",
    )
    assert result.status == 0
    # HiGHS works in floating point: 1e-6 relative plus a cent absolute
    assert float(plan.economic_cost_cny) == pytest.approx(result.fun, rel=1e-6, abs=0.01)
    covered = sum((ln.quantity_tco2e for ln in plan.lines if ln.action != "keep"), D(0))
    assert covered == D(obligation)
    ccer = sum(
        (ln.quantity_tco2e for ln in plan.lines if ln.action != "keep" and ln.instrument == "ccer"), D(0)
    )
    assert ccer <= pos.ccer_cap_tco2e
    # never worse than covering everything with CEA (held CEA valued at its price)
    assert plan.economic_cost_cny <= D(obligation) * D(p_cea)
