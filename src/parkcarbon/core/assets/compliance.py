"""Compliance obligation, position and least-cost strategy (碳履约：清缴义务、持仓与最优履约策略).

The obligation of a compliance year is the verified emissions of the MRV case (核查排放量) in tCO2e:
the allowances to surrender (应清缴配额量). The **position** nets holdings usable for that year
(CEA of the year and banked earlier vintages, CCER within the cap) against what is still to be
surrendered. The **strategy** covers the remaining obligation at minimum cost given prices:

    minimise  p_CEA · (b_CEA + h_CEA) + p_CCER · (b_CCER + h_CCER)
    s.t.      b_CEA + h_CEA + b_CCER + h_CCER = R           (cover the remaining obligation R)
              b_CCER + h_CCER ≤ cap − CCER already surrendered,   cap = 5 % × obligation
              0 ≤ h_CEA ≤ H_CEA,  0 ≤ h_CCER ≤ H_CCER,  b ≥ 0

where ``h`` is surrendered from holdings (valued at its market price: a held unit surrendered is a
unit not sold) and ``b`` bought. A linear programme with one coupling constraint: its optimum is the
greedy order cheapest-first with CCER capped, held units before bought ones at the same price (they
cost no cash). :func:`least_cost_plan` returns that optimum with each line explained and the cash
outlay (purchases only); ``tests/assets/test_compliance.py`` checks it against an LP solver.

References
----------
.. [1] 生态环境部令第19号《碳排放权交易管理办法（试行）》第二十八条（清缴）、第二十九条（CCER ≤ 5 %）.
.. [2] 国务院令第775号《碳排放权交易管理暂行条例》第十四条.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from parkcarbon.core.assets.errors import InvalidTransactionError
from parkcarbon.core.assets.ledger import AccountRole, Balance, InstrumentKind, fmt, required_rule
from parkcarbon.core.assets.rules import RuleSet, RuleUse, default_rules

__all__ = ["CompliancePlan", "PlanLine", "Position", "least_cost_plan", "position"]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    """Where an owner stands for one compliance year [tCO2e].

    ``usable_cea`` counts CEA of vintages up to the year (banked included; later vintages are not
    usable: no borrowing); ``usable_ccer`` is the CCER held, limited to the cap still open.
    ``shortfall`` > 0: to buy; ``surplus`` > 0: CEA left after covering (to bank or sell).
    """

    year: int
    obligation_tco2e: Decimal
    basis: str  # "verified" (MRV case) or "stated" (monitored / forecast, given by the caller)
    surrendered_tco2e: Decimal
    surrendered_ccer_tco2e: Decimal
    remaining_tco2e: Decimal
    ccer_cap_tco2e: Decimal
    ccer_cap_open_tco2e: Decimal
    held_cea_tco2e: Decimal
    usable_cea_tco2e: Decimal
    held_ccer_tco2e: Decimal
    usable_ccer_tco2e: Decimal
    shortfall_tco2e: Decimal
    surplus_tco2e: Decimal
    surrender_due: date | None
    rules_used: tuple[RuleUse, ...]


def position(
    *,
    year: int,
    obligation_tco2e: Decimal,
    holdings: list[Balance],
    surrendered_tco2e: Decimal = ZERO,
    surrendered_ccer_tco2e: Decimal = ZERO,
    basis: str = "verified",
    on: date,
    rules: RuleSet | None = None,
) -> Position:
    """The position for ``year`` from the holdings at ``on`` (``Ledger.holdings``) and what is surrendered."""
    rules = rules or default_rules()
    if obligation_tco2e < 0:
        raise InvalidTransactionError("the obligation is not negative", field="obligation_tco2e")
    fraction, cap_use = required_rule(rules, "ccer.offset_cap_fraction", on)
    uses = [cap_use]
    cap = fraction * obligation_tco2e
    cap_open = max(cap - surrendered_ccer_tco2e, ZERO)
    held_cea = usable_cea = held_ccer = ZERO
    for b in holdings:
        if b.account.role is not AccountRole.HOLDING:
            continue
        if b.lot.kind is InstrumentKind.CEA:
            held_cea += b.quantity
            if b.lot.vintage is not None and b.lot.vintage <= year:
                usable_cea += b.quantity
        elif b.lot.kind is InstrumentKind.CCER:
            held_ccer += b.quantity
    remaining = max(obligation_tco2e - surrendered_tco2e, ZERO)
    usable_ccer = min(held_ccer, cap_open, remaining)
    covered = min(usable_cea + usable_ccer, remaining)
    due = _surrender_due(year, rules, on, uses)
    return Position(
        year=year,
        obligation_tco2e=obligation_tco2e,
        basis=basis,
        surrendered_tco2e=surrendered_tco2e,
        surrendered_ccer_tco2e=surrendered_ccer_tco2e,
        remaining_tco2e=remaining,
        ccer_cap_tco2e=cap,
        ccer_cap_open_tco2e=cap_open,
        held_cea_tco2e=held_cea,
        usable_cea_tco2e=usable_cea,
        held_ccer_tco2e=held_ccer,
        usable_ccer_tco2e=usable_ccer,
        shortfall_tco2e=remaining - covered,
        surplus_tco2e=max(usable_cea + usable_ccer - remaining, ZERO),
        surrender_due=due,
        rules_used=tuple(uses),
    )


def _surrender_due(year: int, rules: RuleSet, on: date, uses: list[RuleUse]) -> date | None:
    try:
        rule = rules.get("ets.surrender_due_month_day", on)
    except LookupError:
        return None
    month, day = (int(part) for part in str(rule.value).split("-"))
    uses.append(rule.use)
    return date(year + 1, month, day)


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One step of the plan: ``action`` (``surrender_held`` | ``buy_and_surrender`` | ``keep``) of an
    ``instrument`` (``cea`` | ``ccer``), quantity, unit price, cash cost and why."""

    action: str
    instrument: str
    quantity_tco2e: Decimal
    price_cny_per_t: Decimal
    cash_cny: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class CompliancePlan:
    """The least-cost way to cover the remaining obligation of ``position``.

    ``cash_cny`` is what must be bought; ``economic_cost_cny`` values held units surrendered at their
    market price too (what selling them instead would have brought).
    """

    position: Position
    lines: tuple[PlanLine, ...]
    cash_cny: Decimal
    economic_cost_cny: Decimal
    all_cea_cash_cny: Decimal  # the reference: buying everything missing as CEA, no CCER
    rules_used: tuple[RuleUse, ...]


def least_cost_plan(
    pos: Position, *, cea_price_cny_per_t: Decimal, ccer_price_cny_per_t: Decimal
) -> CompliancePlan:
    """Cover ``pos.remaining_tco2e`` at minimum cost (the LP of the module docstring, solved greedily)."""
    if cea_price_cny_per_t < 0 or ccer_price_cny_per_t < 0:
        raise InvalidTransactionError("prices are not negative", field="cea_price_cny_per_t")
    need = pos.remaining_tco2e
    ccer_room = min(pos.ccer_cap_open_tco2e, need)
    held_ccer = min(pos.held_ccer_tco2e, ccer_room)
    lines: list[PlanLine] = []
    cap_text = f"CCER cap {fmt(pos.ccer_cap_tco2e)} t ({fmt(pos.ccer_cap_open_tco2e)} t open)"

    def add(action: str, instrument: str, q: Decimal, price: Decimal, cash: bool, reason: str) -> None:
        if q > 0:
            lines.append(PlanLine(action, instrument, q, price, q * price if cash else ZERO, reason))

    # candidate sources, cheapest first; at equal price held before bought, CCER before CEA (uses the cap
    # that would otherwise lapse)
    sources: list[tuple[Decimal, int, int, str, str, Decimal]] = [
        (ccer_price_cny_per_t, 0, 0, "surrender_held", "ccer", held_ccer),
        (ccer_price_cny_per_t, 1, 0, "buy_and_surrender", "ccer", ccer_room),
        (cea_price_cny_per_t, 0, 1, "surrender_held", "cea", pos.usable_cea_tco2e),
        (cea_price_cny_per_t, 1, 1, "buy_and_surrender", "cea", need),
    ]
    sources.sort(key=lambda s: (s[0], s[1], s[2]))
    ccer_used = ZERO
    for price, bought, _order, action, instrument, available in sources:
        if need <= 0:
            break
        q = min(available, need)
        if instrument == "ccer":
            q = min(q, ccer_room - ccer_used)
            ccer_used += max(q, ZERO)
        if q <= 0:
            continue
        if bought:
            reason = f"buy at {price} CNY/t" + (f" within the {cap_text}" if instrument == "ccer" else "")
        else:
            reason = f"held units, worth {price} CNY/t on the market" + (
                f"; within the {cap_text}" if instrument == "ccer" else "; vintage ≤ the compliance year"
            )
        add(action, instrument, q, price, bool(bought), reason)
        need -= q
    used_cea_held = sum(
        (ln.quantity_tco2e for ln in lines if ln.instrument == "cea" and ln.action == "surrender_held"), ZERO
    )
    used_ccer_held = sum(
        (ln.quantity_tco2e for ln in lines if ln.instrument == "ccer" and ln.action == "surrender_held"), ZERO
    )
    add(
        "keep",
        "cea",
        pos.usable_cea_tco2e - used_cea_held,
        cea_price_cny_per_t,
        False,
        "surplus: bank for later years or sell",
    )
    add(
        "keep",
        "ccer",
        pos.held_ccer_tco2e - used_ccer_held,
        ccer_price_cny_per_t,
        False,
        "beyond the cap or not needed: keep or sell",
    )
    cash = sum((ln.cash_cny for ln in lines), ZERO)
    economic = sum((ln.quantity_tco2e * ln.price_cny_per_t for ln in lines if ln.action != "keep"), ZERO)
    all_cea = max(pos.remaining_tco2e - pos.usable_cea_tco2e, ZERO) * cea_price_cny_per_t
    return CompliancePlan(pos, tuple(lines), cash, economic, all_cea, pos.rules_used)
