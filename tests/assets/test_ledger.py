"""The instrument ledger: hand-worked examples of every check, and properties (hypothesis) that balances
conserve and serial ranges never overlap."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkcarbon.core.assets import (
    Account,
    AccountRole,
    InstrumentKind,
    Ledger,
    Lot,
    RangeSet,
    SerialRange,
    Transaction,
    TxKind,
    default_rules,
    gec_valid_until,
)
from parkcarbon.core.assets import errors as e

ENT, OTHER = 1, 2
CEA_2024 = Lot(InstrumentKind.CEA, vintage=2024)
CEA_2025 = Lot(InstrumentKind.CEA, vintage=2025)
CCER = Lot(InstrumentKind.CCER, project="CCER-14-2024-001", methodology="CCER-14-001-V01", vintage=2024)
GEC = Lot(
    InstrumentKind.GEC,
    project="P-WIND-01",
    technology="wind",
    production_month=date(2024, 3, 1),
    tradable=True,
)


def tx(kind: TxKind, lot: Lot, q: int, day: date, *serials: SerialRange, **kw: object) -> Transaction:
    return Transaction(kind, kw.pop("owner", ENT), day, lot, Decimal(q), tuple(serials), **kw)  # type: ignore[arg-type]


def held(
    ledger: Ledger, lot: Lot, owner: int = ENT, at: date | None = None
) -> tuple[Decimal, tuple[str, ...]]:
    for b in ledger.holdings(owner, at):
        if b.lot == lot:
            return b.quantity, tuple(str(r) for r in b.serials)
    return Decimal(0), ()


# --- GEC validity (国能发新能规〔2024〕67号: 2 years counted from the production month inclusive) ----------


@pytest.mark.parametrize(
    ("production", "until"),
    [
        # 24 months 2024-03 … 2026-02 → the last day of February 2026
        (date(2024, 3, 1), date(2026, 2, 28)),
        # 2024-12 … 2026-11
        (date(2024, 12, 1), date(2026, 11, 30)),
        # 2024-01 … 2025-12 (the first month the legacy extension no longer covers)
        (date(2024, 1, 1), date(2025, 12, 31)),
        # produced before 2024-01-01: extended to the end of 2025
        (date(2023, 5, 1), date(2025, 12, 31)),
        (date(2022, 1, 1), date(2025, 12, 31)),
    ],
)
def test_gec_validity(production: date, until: date) -> None:
    got, uses = gec_valid_until(production, default_rules(), date(2025, 6, 1))
    assert got == until
    assert ("gec.validity_months", 1) in {(u.id, u.version) for u in uses}


# --- serial ranges: splitting, double sale, double claim ------------------------------------------------


def test_serial_range_splitting_and_claims() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 100, date(2024, 9, 1), SerialRange("B", 1, 100)))
    ledger.apply(tx(TxKind.SALE, GEC, 20, date(2024, 9, 2), SerialRange("B", 21, 40)))
    assert held(ledger, GEC) == (Decimal(80), ("B:1-20", "B:41-100"))
    applied = ledger.apply(tx(TxKind.CLAIM, GEC, 20, date(2024, 9, 3), SerialRange("B", 41, 60)))
    assert held(ledger, GEC) == (Decimal(60), ("B:1-20", "B:61-100"))
    assert {(u.id, u.version) for u in applied.rules_used} >= {
        ("gec.mwh_per_certificate", 2),
        ("gec.max_claims", 1),
        ("gec.validity_months", 1),
    }
    claimed = [b for b in ledger.balances(owner=ENT) if b.account.role is AccountRole.CLAIMED]
    assert [(b.quantity, [str(r) for r in b.serials]) for b in claimed] == [(Decimal(20), ["B:41-60"])]
    # claimed once: the same serials again, in part
    with pytest.raises(e.DoubleClaimError):
        ledger.apply(tx(TxKind.CLAIM, GEC, 6, date(2024, 9, 4), SerialRange("B", 50, 55)))
    # the sold ones are not held
    with pytest.raises(e.SerialNotHeldError):
        ledger.apply(tx(TxKind.CLAIM, GEC, 5, date(2024, 9, 4), SerialRange("B", 25, 29)))
    # balances at an earlier date replay the journal
    assert held(ledger, GEC, at=date(2024, 9, 1)) == (Decimal(100), ("B:1-100",))


def test_a_gec_is_traded_once() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.PURCHASE, GEC, 10, date(2024, 10, 1), SerialRange("C", 1, 10)))
    with pytest.raises(e.DoubleSaleError):
        ledger.apply(tx(TxKind.SALE, GEC, 5, date(2024, 10, 2), SerialRange("C", 1, 5)))
    with pytest.raises(e.DoubleSaleError):
        ledger.apply(tx(TxKind.TRANSFER, GEC, 5, date(2024, 10, 2), SerialRange("C", 6, 10), to_owner=OTHER))
    # allocated (issued) to one owner, transferred to another: that was its trade
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 10, date(2024, 10, 3), SerialRange("D", 1, 10)))
    ledger.apply(tx(TxKind.TRANSFER, GEC, 10, date(2024, 10, 4), SerialRange("D", 1, 10), to_owner=OTHER))
    with pytest.raises(e.DoubleSaleError):
        ledger.apply(tx(TxKind.SALE, GEC, 10, date(2024, 10, 5), SerialRange("D", 1, 10), owner=OTHER))
    # and a GEC sold out of the ledger cannot be bought back
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 3, date(2024, 10, 6), SerialRange("E", 1, 3)))
    ledger.apply(tx(TxKind.SALE, GEC, 3, date(2024, 10, 7), SerialRange("E", 1, 3)))
    with pytest.raises(e.DoubleSaleError):
        ledger.apply(tx(TxKind.PURCHASE, GEC, 3, date(2024, 10, 8), SerialRange("E", 1, 3), owner=OTHER))


def test_non_tradable_gec_cannot_be_sold_but_can_be_claimed() -> None:
    own_pv = Lot(
        InstrumentKind.GEC,
        project="P-PV-ROOF",
        technology="solar",
        production_month=date(2025, 1, 1),
        tradable=False,
    )
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, own_pv, 5, date(2025, 2, 1), SerialRange("R", 1, 5)))
    with pytest.raises(e.NotTradableError):
        ledger.apply(tx(TxKind.SALE, own_pv, 5, date(2025, 2, 2), SerialRange("R", 1, 5)))
    ledger.apply(tx(TxKind.CLAIM, own_pv, 5, date(2025, 2, 2), SerialRange("R", 1, 5)))


def test_duplicate_serials_across_owners_are_caught() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 10, date(2024, 9, 1), SerialRange("B", 1, 10)))
    with pytest.raises(e.DuplicateSerialError):
        ledger.apply(
            tx(TxKind.FREE_ALLOCATION, GEC, 2, date(2024, 9, 2), SerialRange("B", 10, 11), owner=OTHER)
        )
    ledger.apply(tx(TxKind.CLAIM, GEC, 10, date(2024, 9, 3), SerialRange("B", 1, 10)))
    # claimed by one enterprise, recorded again by another: the park's double claim
    with pytest.raises(e.DoubleClaimError):
        ledger.apply(
            tx(TxKind.FREE_ALLOCATION, GEC, 1, date(2024, 9, 4), SerialRange("B", 5, 5), owner=OTHER)
        )


def test_expiry() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 10, date(2024, 9, 1), SerialRange("B", 1, 10)))
    # valid through 2026-02-28 (production 2024-03)
    ledger.apply(tx(TxKind.CLAIM, GEC, 2, date(2026, 2, 28), SerialRange("B", 1, 2)))
    with pytest.raises(e.ExpiredError):
        ledger.apply(tx(TxKind.CLAIM, GEC, 2, date(2026, 3, 1), SerialRange("B", 3, 4)))
    with pytest.raises(e.ExpiredError):
        ledger.apply(tx(TxKind.SALE, GEC, 2, date(2026, 3, 1), SerialRange("B", 3, 4)))
    due = ledger.due_expiries(date(2026, 3, 1))
    assert [(d.quantity, d.serials) for d in due] == [(Decimal(8), (SerialRange("B", 3, 10),))]
    ledger.apply(due[0])
    assert held(ledger, GEC) == (Decimal(0), ())


def test_expiry_before_the_end_of_validity_is_refused() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, GEC, 1, date(2024, 9, 1), SerialRange("B", 1, 1)))
    with pytest.raises(e.InvalidTransactionError, match="valid until 2026-02-28"):
        ledger.apply(tx(TxKind.EXPIRY, GEC, 1, date(2026, 2, 28), SerialRange("B", 1, 1)))


# --- surrender: CCER cap, borrowing, over-surrender -----------------------------------------------------


def test_ccer_cap_is_five_percent_of_the_obligation() -> None:
    ledger = Ledger()
    ledger.set_obligation(ENT, 2024, Decimal(10_000))
    ledger.apply(tx(TxKind.PURCHASE, CCER, 1000, date(2025, 3, 1), SerialRange("K", 1, 1000)))
    ledger.apply(
        tx(TxKind.SURRENDER, CCER, 400, date(2025, 11, 1), SerialRange("K", 1, 400), compliance_year=2024)
    )
    # 400 + 101 = 501 > 500 = 5 % × 10 000
    with pytest.raises(e.CcerCapError, match="100 t remain"):
        ledger.apply(
            tx(
                TxKind.SURRENDER,
                CCER,
                101,
                date(2025, 11, 2),
                SerialRange("K", 401, 501),
                compliance_year=2024,
            )
        )
    applied = ledger.apply(
        tx(TxKind.SURRENDER, CCER, 100, date(2025, 11, 2), SerialRange("K", 401, 500), compliance_year=2024)
    )
    assert ("ccer.offset_cap_fraction", 2) in {(u.id, u.version) for u in applied.rules_used}
    assert ledger.surrendered(ENT, 2024) == (Decimal(500), Decimal(500))


def test_ccer_needs_a_known_obligation() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.PURCHASE, CCER, 10, date(2025, 3, 1), SerialRange("K", 1, 10)))
    with pytest.raises(e.ObligationUnknownError):
        ledger.apply(
            tx(TxKind.SURRENDER, CCER, 10, date(2025, 3, 2), SerialRange("K", 1, 10), compliance_year=2024)
        )


def test_no_borrowing_and_no_over_surrender() -> None:
    ledger = Ledger()
    ledger.set_obligation(ENT, 2024, Decimal(1000))
    ledger.apply(tx(TxKind.FREE_ALLOCATION, CEA_2024, 900, date(2025, 1, 10)))
    ledger.apply(tx(TxKind.FREE_ALLOCATION, CEA_2025, 900, date(2025, 1, 10)))
    with pytest.raises(e.BorrowingError):
        ledger.apply(tx(TxKind.SURRENDER, CEA_2025, 100, date(2025, 12, 1), compliance_year=2024))
    ledger.apply(tx(TxKind.SURRENDER, CEA_2024, 900, date(2025, 12, 1), compliance_year=2024))
    ledger.apply(tx(TxKind.PURCHASE, CEA_2024, 200, date(2025, 12, 2)))
    with pytest.raises(e.OverSurrenderError):
        ledger.apply(tx(TxKind.SURRENDER, CEA_2024, 101, date(2025, 12, 3), compliance_year=2024))
    # banked vintage 2024 covers 2025 (banking allowed by the 2023–2024 plan)
    ledger.apply(tx(TxKind.SURRENDER, CEA_2024, 200, date(2026, 12, 1), compliance_year=2025))


def test_insufficient_out_of_order_and_malformed() -> None:
    ledger = Ledger()
    ledger.apply(tx(TxKind.FREE_ALLOCATION, CEA_2024, 10, date(2025, 1, 10)))
    with pytest.raises(e.InsufficientHoldingsError):
        ledger.apply(tx(TxKind.SALE, CEA_2024, 11, date(2025, 1, 11)))
    with pytest.raises(e.OutOfOrderError):
        ledger.apply(tx(TxKind.SALE, CEA_2024, 1, date(2025, 1, 9)))
    with pytest.raises(e.InvalidTransactionError, match="number of serial"):
        ledger.apply(tx(TxKind.PURCHASE, GEC, 3, date(2025, 1, 11), SerialRange("Z", 1, 2)))
    with pytest.raises(e.InvalidTransactionError, match="listed twice"):
        ledger.apply(
            tx(TxKind.PURCHASE, GEC, 4, date(2025, 1, 11), SerialRange("Z", 1, 2), SerialRange("Z", 2, 3))
        )
    with pytest.raises(e.InvalidLotError):
        Lot(InstrumentKind.CCER, project="x", vintage=2024)  # no methodology
    with pytest.raises(e.InvalidLotError):
        Lot(InstrumentKind.CEA, vintage=2024, tradable=True)
    # nothing of the refused transactions was recorded
    assert len(ledger.journal) == 1
    assert held(ledger, CEA_2024) == (Decimal(10), ())


def test_other_instruments() -> None:
    green = Lot(InstrumentKind.GREEN_POWER, contract="GP-2025-01", period="2025-04")
    right = Lot(InstrumentKind.ENERGY_RIGHT, region="CN-ZJ", vintage=2025)
    retail = Lot(InstrumentKind.RETAIL, contract="RT-2025", period="2025-04")
    ledger = Ledger()
    ledger.apply(Transaction(TxKind.PURCHASE, ENT, date(2025, 5, 5), green, Decimal("1234.5")))
    ledger.apply(Transaction(TxKind.CLAIM, ENT, date(2025, 5, 6), green, Decimal("1000.25")))
    assert held(ledger, green) == (Decimal("234.25"), ())
    ledger.apply(Transaction(TxKind.FREE_ALLOCATION, ENT, date(2025, 5, 6), right, Decimal("5000")))
    ledger.apply(Transaction(TxKind.SALE, ENT, date(2025, 5, 7), right, Decimal("120.5")))
    assert held(ledger, right) == (Decimal("4879.5"), ())
    ledger.apply(Transaction(TxKind.PURCHASE, ENT, date(2025, 5, 7), retail, Decimal("800")))
    with pytest.raises(e.InvalidTransactionError):
        ledger.apply(Transaction(TxKind.CLAIM, ENT, date(2025, 5, 8), retail, Decimal("1")))
    with pytest.raises(e.InvalidTransactionError):
        ledger.apply(Transaction(TxKind.PURCHASE, ENT, date(2025, 5, 8), right, Decimal("0")))


# --- RangeSet -------------------------------------------------------------------------------------------


def test_rangeset_split_and_merge() -> None:
    rs = RangeSet([(1, 10)])
    rs.remove(4, 6)
    assert list(rs) == [(1, 3), (7, 10)]
    rs.add(4, 6)
    assert list(rs) == [(1, 10)]
    with pytest.raises(ValueError, match="overlaps"):
        rs.add(10, 12)
    with pytest.raises(ValueError, match="not in the set"):
        rs.remove(9, 11)


# --- properties -----------------------------------------------------------------------------------------

LOTS = [CEA_2024, CCER, GEC]
KINDS = [
    TxKind.FREE_ALLOCATION,
    TxKind.PURCHASE,
    TxKind.SALE,
    TxKind.TRANSFER,
    TxKind.CANCELLATION,
    TxKind.CLAIM,
]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[TxKind, int, int, int, int, int]]:
    """(kind, lot index, owner, start, length, day) — many are refused; the refusals must change nothing."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(KINDS),
                st.integers(0, len(LOTS) - 1),
                st.integers(1, 3),
                st.integers(0, 60),
                st.integers(1, 25),
                st.integers(0, 2),
            ),
            max_size=40,
        )
    )


@settings(max_examples=150, deadline=None)
@given(operations())
def test_balances_conserve_and_serials_never_overlap(
    ops: list[tuple[TxKind, int, int, int, int, int]],
) -> None:
    ledger = Ledger()
    day = date(2024, 9, 1)
    for kind, lot_index, owner, start, length, step in ops:
        lot = LOTS[lot_index]
        day = date.fromordinal(day.toordinal() + step)
        serials = (
            (SerialRange("S", start, start + length - 1),)
            if lot.kind in {InstrumentKind.CCER, InstrumentKind.GEC}
            else ()
        )
        to_owner = (owner % 3) + 1 if kind is TxKind.TRANSFER else None
        t = Transaction(kind, owner, day, lot, Decimal(length), serials, to_owner=to_owner)
        before = [(b.account, b.lot, b.quantity, b.serials) for b in ledger.balances()]
        try:
            ledger.apply(t)
        except e.AssetError:
            # a refusal changes nothing
            assert [(b.account, b.lot, b.quantity, b.serials) for b in ledger.balances()] == before
            continue
    _assert_invariants(ledger, day)


def _assert_invariants(ledger: Ledger, day: date) -> None:
    balances = ledger.balances()
    # double entry: every lot sums to zero over all accounts, external ones included
    for lot in {b.lot for b in balances}:
        assert sum((b.quantity for b in balances if b.lot == lot), Decimal(0)) == 0, f"{lot} does not balance"
    # owners' accounts never negative; serial counts equal quantities
    for b in balances:
        if b.account.owner is not None:
            assert b.quantity > 0, f"{b.account} is negative"
            if b.lot.kind in {InstrumentKind.CCER, InstrumentKind.GEC}:
                assert sum(r.count for r in b.serials) == b.quantity
    # no serial number is in two accounts (or twice in one)
    seen: set[tuple[str, int]] = set()
    for b in balances:
        for r in b.serials:
            numbers = {(r.block, n) for n in range(r.start, r.end + 1)}
            assert not numbers & seen, f"serials {r} appear twice"
            seen |= numbers
    # replaying the journal (checked, and trusted as the service loads it) gives the same balances;
    # balances at the last date equal the current ones
    state = {(b.account, b.lot, b.quantity, b.serials) for b in balances}
    assert {(b.account, b.lot, b.quantity, b.serials) for b in ledger.copy().balances()} == state
    loaded = Ledger()
    for applied in ledger.journal:
        loaded.replay(applied.transaction, applied.rules_used)
    assert {(b.account, b.lot, b.quantity, b.serials) for b in loaded.balances()} == state
    assert {(b.account, b.lot, b.quantity, b.serials) for b in ledger.balances(day)} == state


def test_the_invariant_check_passes_a_busy_ledger_and_fails_a_corrupt_one() -> None:
    """The property's checker is not vacuous: it accepts a ledger where every kind of transaction
    succeeded, and rejects one whose state was corrupted behind the ledger's back."""
    ledger = Ledger()
    day = date(2024, 9, 1)
    for t in (
        tx(TxKind.FREE_ALLOCATION, GEC, 50, day, SerialRange("S", 0, 49)),
        tx(TxKind.TRANSFER, GEC, 10, day, SerialRange("S", 0, 9), to_owner=OTHER),
        tx(TxKind.CLAIM, GEC, 10, day, SerialRange("S", 0, 9), owner=OTHER),
        tx(TxKind.SALE, GEC, 5, day, SerialRange("S", 10, 14)),
        tx(TxKind.CANCELLATION, GEC, 5, day, SerialRange("S", 15, 19)),
        tx(TxKind.PURCHASE, CEA_2024, 30, day),
        tx(TxKind.SALE, CEA_2024, 7, day),
    ):
        ledger.apply(t)
    assert len(ledger.journal) == 7
    _assert_invariants(ledger, day)
    # a serial range held twice
    holding = next(b for b in ledger.balances() if b.account.owner == ENT and b.lot == GEC)
    ledger._state.serials[(Account(OTHER, AccountRole.HOLDING), GEC, "S")] = RangeSet([(20, 20)])
    ledger._state.quantity[(Account(OTHER, AccountRole.HOLDING), GEC)] += 1
    with pytest.raises(AssertionError):
        _assert_invariants(ledger, day)
    assert holding.quantity == 30


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 200), st.integers(0, 30)), max_size=60))
def test_rangeset_matches_a_plain_set(ops: list[tuple[bool, int, int]]) -> None:
    rs, plain = RangeSet(), set()
    for add, start, length in ops:
        numbers = set(range(start, start + length + 1))
        if add and not numbers & plain:
            rs.add(start, start + length)
            plain |= numbers
        elif not add and numbers <= plain:
            rs.remove(start, start + length)
            plain -= numbers
    assert {n for s, t in rs for n in range(s, t + 1)} == plain
    ranges = list(rs)
    # sorted, disjoint and merged (no two adjacent ranges)
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(ranges))


def test_a_check_without_a_rule_in_force_is_refused_not_guessed() -> None:
    """The CCER cap is in force from 2021-02-01 (生态环境部令第19号): a 2020 surrender cannot be checked."""
    ledger = Ledger()
    ledger.set_obligation(ENT, 2019, Decimal(1000))
    ledger.apply(tx(TxKind.PURCHASE, CCER, 10, date(2020, 3, 1), SerialRange("K", 1, 10)))
    with pytest.raises(e.NoRuleError, match=r"ccer\.offset_cap_fraction"):
        ledger.apply(
            tx(TxKind.SURRENDER, CCER, 10, date(2020, 6, 1), SerialRange("K", 1, 10), compliance_year=2019)
        )
