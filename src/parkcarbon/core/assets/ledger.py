"""A double-entry ledger of carbon and energy-attribute instruments (碳资产复式台账).

Instruments (:class:`InstrumentKind`): national ETS allowances (全国碳排放配额, CEA) by vintage; CCER
(国家核证自愿减排量) by project, methodology and vintage with serial ranges; green electricity
certificates (绿色电力证书, GEC) by serial range, production month, technology, project and tradable
flag; green-power contracts (绿电交易, settled MWh per month); energy-use rights (用能权, tce, by
province and year); electricity retail contracts (售电, MWh per month).

Every transaction is one or more :class:`Movement` s from one account to another, so the sum of all
balances of an instrument lot over every account is always zero (the external ``registry`` and
``market`` accounts go negative by what entered the ledger). Holding accounts never go negative, a
serial number is inside the ledger at most once, and the checks of :mod:`.rules` are applied when a
transaction is recorded, each refusal a typed error of :mod:`.errors`:

=====================  ==========================  =========================================
transaction            movement                    checks
=====================  ==========================  =========================================
free_allocation        registry → holding          serials new to the ledger
purchase               market → holding            serials new; a GEC is traded once
sale                   holding → market            held; GEC tradable, not traded, valid
transfer               holding → holding (owner)   as sale (a GEC transfer is its one trade)
surrender (履约)       holding → surrendered       CEA/CCER; vintage (borrowing, banking);
                                                   CCER ≤ 5 % of the obligation; ≤ obligation
claim (声明/核销)      holding → claimed           GEC / green power; valid on the date; once
expiry (过期)          holding → expired           GEC past its validity
cancellation (注销)    holding → cancelled         held
=====================  ==========================  =========================================

Balances at any date replay the journal up to that date (:meth:`Ledger.balances`).
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from parkcarbon.core.assets.errors import (
    BankingError,
    BorrowingError,
    CcerCapError,
    DoubleClaimError,
    DoubleSaleError,
    DuplicateSerialError,
    ExpiredError,
    InsufficientHoldingsError,
    InvalidLotError,
    InvalidTransactionError,
    NoRuleError,
    NotTradableError,
    ObligationUnknownError,
    OutOfOrderError,
    OverSurrenderError,
    SerialNotHeldError,
)
from parkcarbon.core.assets.rules import RuleError, RuleSet, RuleUse, default_rules

__all__ = [
    "SERIAL_KINDS",
    "UNITS",
    "Account",
    "AccountRole",
    "AppliedTransaction",
    "Balance",
    "InstrumentKind",
    "Ledger",
    "Lot",
    "Movement",
    "RangeSet",
    "SerialRange",
    "Transaction",
    "TxKind",
    "gec_valid_until",
]

ZERO = Decimal(0)


class InstrumentKind(StrEnum):
    CEA = "cea"  # 全国碳排放配额
    CCER = "ccer"  # 国家核证自愿减排量
    GEC = "gec"  # 绿色电力证书
    GREEN_POWER = "green_power"  # 绿电交易合同电量
    ENERGY_RIGHT = "energy_right"  # 用能权
    RETAIL = "retail"  # 售电合同电量


#: unit of a lot's quantity
UNITS: dict[InstrumentKind, str] = {
    InstrumentKind.CEA: "tCO2e",
    InstrumentKind.CCER: "tCO2e",
    InstrumentKind.GEC: "certificate",
    InstrumentKind.GREEN_POWER: "MWh",
    InstrumentKind.ENERGY_RIGHT: "tce",
    InstrumentKind.RETAIL: "MWh",
}
#: kinds whose units carry serial numbers (one unit = one serial number)
SERIAL_KINDS = frozenset({InstrumentKind.CCER, InstrumentKind.GEC})
_REQUIRED: dict[InstrumentKind, tuple[str, ...]] = {
    InstrumentKind.CEA: ("vintage",),
    InstrumentKind.CCER: ("project", "methodology", "vintage"),
    InstrumentKind.GEC: ("project", "technology", "production_month", "tradable"),
    InstrumentKind.GREEN_POWER: ("contract", "period"),
    InstrumentKind.ENERGY_RIGHT: ("region", "vintage"),
    InstrumentKind.RETAIL: ("contract", "period"),
}
_ATTRS = (
    "vintage",
    "project",
    "methodology",
    "technology",
    "production_month",
    "tradable",
    "contract",
    "period",
    "region",
)


class TxKind(StrEnum):
    FREE_ALLOCATION = "free_allocation"  # 免费分配 / 核发
    PURCHASE = "purchase"  # 购入
    SALE = "sale"  # 出售
    TRANSFER = "transfer"  # 划转
    SURRENDER = "surrender"  # 清缴履约
    CLAIM = "claim"  # 声明绿电消费（核销）
    EXPIRY = "expiry"  # 过期
    CANCELLATION = "cancellation"  # 注销


class AccountRole(StrEnum):
    HOLDING = "holding"
    REGISTRY = "registry"  # external: issuance / allocation
    MARKET = "market"  # external: counterparties of purchases and sales
    SURRENDERED = "surrendered"
    CLAIMED = "claimed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


EXTERNAL = frozenset({AccountRole.REGISTRY, AccountRole.MARKET})
RETIRED = frozenset(
    {AccountRole.SURRENDERED, AccountRole.CLAIMED, AccountRole.EXPIRED, AccountRole.CANCELLED}
)


@dataclass(frozen=True, slots=True, order=True)
class Account:
    """An account: an owner's (enterprise id) holding or retirement account, or an external one."""

    owner: int | None
    role: AccountRole

    def __post_init__(self) -> None:
        if (self.role in EXTERNAL) != (self.owner is None):
            raise InvalidTransactionError("external accounts have no owner; every other account has one")


REGISTRY = Account(None, AccountRole.REGISTRY)
MARKET = Account(None, AccountRole.MARKET)


@dataclass(frozen=True, slots=True)
class Lot:
    """The fungible class of an instrument: units of one lot are interchangeable (apart from serials).

    Attributes (required per kind: ``_REQUIRED``)
    ----------
    vintage : int
        CEA and CCER vintage year (年度); energy-use right year.
    project, methodology : str
        CCER project id and methodology (方法学); GEC project (建档立卡编码).
    technology : str
        GEC technology (wind, solar, hydro, biomass …).
    production_month : date
        GEC production month (the 1st of the month).
    tradable : bool
        GEC of the tradable kind (可交易绿证) or not.
    contract, period : str
        Green-power or retail contract id and its month ``YYYY-MM``.
    region : str
        Energy-use right province (ISO 3166-2:CN).
    """

    kind: InstrumentKind
    vintage: int | None = None
    project: str | None = None
    methodology: str | None = None
    technology: str | None = None
    production_month: date | None = None
    tradable: bool | None = None
    contract: str | None = None
    period: str | None = None
    region: str | None = None
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.kind, *(getattr(self, name) for name in _ATTRS))))
        required = _REQUIRED[self.kind]
        missing = [name for name in required if getattr(self, name) in (None, "")]
        if missing:
            raise InvalidLotError(f"a {self.kind.value} lot needs {', '.join(missing)}", field=missing[0])
        extra = [name for name in _ATTRS if name not in required and getattr(self, name) is not None]
        if extra:
            raise InvalidLotError(f"a {self.kind.value} lot has no {', '.join(extra)}", field=extra[0])
        if self.production_month is not None and self.production_month.day != 1:
            raise InvalidLotError("production_month is the first day of the month", field="production_month")
        if self.period is not None and not _is_month(self.period):
            raise InvalidLotError("period is a month YYYY-MM", field="period")
        if self.vintage is not None and not 2000 <= self.vintage <= 2100:
            raise InvalidLotError("vintage is a year between 2000 and 2100", field="vintage")

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def attributes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in _REQUIRED[self.kind]}


def _is_month(text: str) -> bool:
    parts = text.split("-")
    return (
        len(parts) == 2
        and len(text) == 7
        and parts[0].isdigit()
        and parts[1].isdigit()
        and 1 <= int(parts[1]) <= 12
    )


@dataclass(frozen=True, slots=True, order=True)
class SerialRange:
    """Serial numbers ``start``..``end`` (inclusive) of a registry ``block`` (the serial's fixed prefix)."""

    block: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not self.block:
            raise InvalidTransactionError(
                "a serial range names its block (the serial prefix)", field="serial_block"
            )
        if self.start < 0 or self.end < self.start:
            raise InvalidTransactionError("a serial range has 0 ≤ start ≤ end", field="serial_start")

    @property
    def count(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"{self.block}:{self.start}-{self.end}"


class RangeSet:
    """Disjoint inclusive integer ranges, kept sorted and merged."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in ranges:
            self.add(start, end)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self._starts, self._ends, strict=True))

    def __bool__(self) -> bool:
        return bool(self._starts)

    def copy(self) -> RangeSet:
        out = RangeSet()
        out._starts, out._ends = list(self._starts), list(self._ends)
        return out

    @property
    def count(self) -> int:
        return sum(e - s + 1 for s, e in self)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of ``start..end`` that are in the set."""
        i = bisect.bisect_right(self._ends, start - 1)
        out = []
        while i < len(self._starts) and self._starts[i] <= end:
            out.append((max(start, self._starts[i]), min(end, self._ends[i])))
            i += 1
        return out

    def contains(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._ends, start - 1)
        return i < len(self._starts) and self._starts[i] <= start and end <= self._ends[i]

    def add(self, start: int, end: int) -> None:
        """Add ``start..end``; it must not overlap the set (raises ValueError)."""
        if self.overlapping(start, end):
            raise ValueError(f"{start}-{end} overlaps the set")
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)
        # merge with adjacent neighbours
        if i + 1 < len(self._starts) and self._ends[i] + 1 == self._starts[i + 1]:
            self._ends[i] = self._ends.pop(i + 1)
            self._starts.pop(i + 1)
        if i > 0 and self._ends[i - 1] + 1 == self._starts[i]:
            self._ends[i - 1] = self._ends.pop(i)
            self._starts.pop(i)

    def remove(self, start: int, end: int) -> None:
        """Remove ``start..end``, splitting a range if needed; it must be contained (raises ValueError)."""
        if not self.contains(start, end):
            raise ValueError(f"{start}-{end} is not in the set")
        i = bisect.bisect_right(self._ends, start - 1)
        s, e = self._starts[i], self._ends[i]
        self._starts.pop(i)
        self._ends.pop(i)
        if end < e:
            self._starts.insert(i, end + 1)
            self._ends.insert(i, e)
        if s < start:
            self._starts.insert(i, s)
            self._ends.insert(i, start - 1)


def gec_valid_until(production_month: date, rules: RuleSet, on: date) -> tuple[date | None, list[RuleUse]]:
    """Last day a GEC of ``production_month`` is valid, under the rules in force on ``on``.

    67号: valid 2 years counted from the production month inclusive → the last day of month + 23;
    power produced before 2024-01-01 → valid until 2025-12-31. ``None`` when no validity rule was in
    force on ``on`` (then no expiry is checked, and no rule is named).
    """
    try:
        months_rule = rules.decimal("gec.validity_months", on)
    except RuleError:
        return None, []
    months, use = months_rule
    index = production_month.year * 12 + production_month.month - 1 + int(months) - 1
    year, month = divmod(index, 12)
    until = date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    uses = [use]
    try:
        legacy, legacy_use = rules.day("gec.legacy_valid_until", on)
    except RuleError:
        return until, uses
    if production_month < date(2024, 1, 1):
        return legacy, [*uses, legacy_use]
    return until, uses


@dataclass(frozen=True, slots=True)
class Transaction:
    """What happened, as the owner states it.

    ``serials`` are required for CCER and GEC and must add up to ``quantity``; ``compliance_year`` for a
    surrender; ``to_owner`` for a transfer.
    """

    kind: TxKind
    owner: int
    value_date: date
    lot: Lot
    quantity: Decimal
    serials: tuple[SerialRange, ...] = ()
    compliance_year: int | None = None
    to_owner: int | None = None
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Movement:
    """One double entry: ``quantity`` of ``lot`` from ``credit`` to ``debit`` (with the serials moved)."""

    lot: Lot
    quantity: Decimal
    credit: Account
    debit: Account
    serials: tuple[SerialRange, ...] = ()


@dataclass(frozen=True, slots=True)
class AppliedTransaction:
    transaction: Transaction
    movements: tuple[Movement, ...]
    rules_used: tuple[RuleUse, ...]


@dataclass(frozen=True, slots=True)
class Balance:
    account: Account
    lot: Lot
    quantity: Decimal
    serials: tuple[SerialRange, ...] = ()


_TO: dict[TxKind, AccountRole] = {
    TxKind.SALE: AccountRole.MARKET,
    TxKind.SURRENDER: AccountRole.SURRENDERED,
    TxKind.CLAIM: AccountRole.CLAIMED,
    TxKind.EXPIRY: AccountRole.EXPIRED,
    TxKind.CANCELLATION: AccountRole.CANCELLED,
}


@dataclass
class _State:
    quantity: dict[tuple[Account, Lot], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    serials: dict[tuple[Account, Lot, str], RangeSet] = field(default_factory=dict)

    def post(self, m: Movement) -> None:
        self.quantity[(m.credit, m.lot)] -= m.quantity
        self.quantity[(m.debit, m.lot)] += m.quantity
        for r in m.serials:
            if m.credit.role not in EXTERNAL:
                self.serials[(m.credit, m.lot, r.block)].remove(r.start, r.end)
            if m.debit.role not in EXTERNAL:
                self.serials.setdefault((m.debit, m.lot, r.block), RangeSet()).add(r.start, r.end)


class Ledger:
    """The journal and current state of one or more owners' instrument accounts.

    Transactions are recorded in date order (:class:`OutOfOrderError` otherwise); a refused transaction
    changes nothing. ``obligations[(owner, year)]`` is the surrender obligation in tCO2e (from the
    verified emissions), needed for the CCER cap.
    """

    def __init__(self, rules: RuleSet | None = None) -> None:
        self.rules = rules or default_rules()
        self.journal: list[AppliedTransaction] = []
        self.obligations: dict[tuple[int, int], Decimal] = {}
        self._state = _State()
        #: serials inside the ledger (held or retired), per block
        self._inside: dict[str, RangeSet] = defaultdict(RangeSet)
        #: GEC serials that have been traded (purchased into, transferred within or sold out of the ledger)
        self._traded: dict[str, RangeSet] = defaultdict(RangeSet)
        #: CCER surrendered per (owner, compliance year), and all surrendered
        self._ccer_surrendered: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        self._surrendered: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        self._last_date: dict[int, date] = {}

    # ------------------------------------------------------------------------------------ recording

    def set_obligation(self, owner: int, year: int, tco2e: Decimal) -> None:
        if tco2e < 0:
            raise InvalidTransactionError("an obligation is not negative", field="obligation")
        self.obligations[(owner, year)] = tco2e

    def apply(self, tx: Transaction) -> AppliedTransaction:
        """Check ``tx`` against the rules and the current state, then record it (or raise: no change).

        Each owner's transactions are recorded in date order; owners are independent of each other.
        """
        last = self._last_date.get(tx.owner)
        if last is not None and tx.value_date < last:
            raise OutOfOrderError(
                f"dated {tx.value_date.isoformat()}, before the owner's last recorded transaction "
                f"({last.isoformat()}); record transactions in date order",
                field="value_date",
            )
        movement, uses = self._check(tx)
        return self._record(tx, movement, tuple(dict.fromkeys(uses)))

    def replay(self, tx: Transaction, rules_used: tuple[RuleUse, ...] = ()) -> AppliedTransaction:
        """Record a transaction that was checked when it was first recorded (loading a stored journal).

        The rules are not applied again (a later rule version does not invalidate a past act); the
        state invariants are (a stored journal that moves serials it does not hold raises ValueError).
        """
        return self._record(tx, Movement(tx.lot, tx.quantity, *self._accounts(tx), tx.serials), rules_used)

    def _record(self, tx: Transaction, movement: Movement, uses: tuple[RuleUse, ...]) -> AppliedTransaction:
        self._commit(tx, movement)
        applied = AppliedTransaction(tx, (movement,), uses)
        self.journal.append(applied)
        last = self._last_date.get(tx.owner)
        self._last_date[tx.owner] = tx.value_date if last is None else max(last, tx.value_date)
        return applied

    @staticmethod
    def _accounts(tx: Transaction) -> tuple[Account, Account]:
        holding = Account(tx.owner, AccountRole.HOLDING)
        if tx.kind is TxKind.FREE_ALLOCATION:
            return REGISTRY, holding
        if tx.kind is TxKind.PURCHASE:
            return MARKET, holding
        if tx.kind is TxKind.TRANSFER:
            if tx.to_owner is None:
                raise InvalidTransactionError("a transfer names to_owner", field="to_owner")
            return holding, Account(tx.to_owner, AccountRole.HOLDING)
        role = _TO[tx.kind]
        return holding, MARKET if role is AccountRole.MARKET else Account(tx.owner, role)

    def _check(self, tx: Transaction) -> tuple[Movement, list[RuleUse]]:
        lot, q = tx.lot, tx.quantity
        if not q.is_finite() or q <= 0:
            raise InvalidTransactionError("quantity must be a positive number", field="quantity")
        uses: list[RuleUse] = []
        serial = lot.kind in SERIAL_KINDS
        if serial:
            if not tx.serials:
                raise InvalidTransactionError(
                    f"a {lot.kind.value} transaction lists its serial ranges", field="serials"
                )
            if q != sum(r.count for r in tx.serials):
                raise InvalidTransactionError(
                    "quantity must equal the number of serial numbers", field="quantity"
                )
            _check_disjoint(tx.serials)
        elif tx.serials:
            raise InvalidTransactionError(f"{lot.kind.value} has no serial numbers", field="serials")
        if lot.kind is InstrumentKind.GEC:
            # 1 GEC = 1 MWh (67号); recorded so results name the version
            with contextlib.suppress(RuleError):
                uses.append(self.rules.get("gec.mwh_per_certificate", tx.value_date).use)
        if (tx.kind is TxKind.SURRENDER) != (tx.compliance_year is not None):
            raise InvalidTransactionError(
                "compliance_year is given with a surrender, and only then", field="compliance_year"
            )
        if (tx.kind is TxKind.TRANSFER) != (tx.to_owner is not None):
            raise InvalidTransactionError(
                "to_owner is given with a transfer, and only then", field="to_owner"
            )
        holding = Account(tx.owner, AccountRole.HOLDING)
        if tx.kind in (TxKind.FREE_ALLOCATION, TxKind.PURCHASE):
            source = REGISTRY if tx.kind is TxKind.FREE_ALLOCATION else MARKET
            if serial:
                self._check_new(tx.serials)
            if lot.kind is InstrumentKind.GEC and tx.kind is TxKind.PURCHASE:
                uses += self._check_trade(tx, buying=True)
            return Movement(lot, q, source, holding, tx.serials), uses
        # everything else moves out of the owner's holding
        self._check_held(holding, tx)
        if tx.kind is TxKind.TRANSFER:
            if tx.to_owner == tx.owner:
                raise InvalidTransactionError("a transfer goes to another owner", field="to_owner")
            assert tx.to_owner is not None
            target = Account(tx.to_owner, AccountRole.HOLDING)
        else:
            role = _TO[tx.kind]
            target = MARKET if role is AccountRole.MARKET else Account(tx.owner, role)
        if lot.kind is InstrumentKind.GEC:
            if tx.kind in (TxKind.SALE, TxKind.TRANSFER):
                uses += self._check_trade(tx, buying=False)
            if tx.kind is TxKind.CLAIM:
                uses += self._check_claim_once(tx)
            uses += self._check_validity(tx)
        if tx.kind is TxKind.CLAIM and lot.kind not in (InstrumentKind.GEC, InstrumentKind.GREEN_POWER):
            raise InvalidTransactionError(
                "only green certificates and green-power MWh are claimed", field="kind"
            )
        if tx.kind is TxKind.EXPIRY and lot.kind is not InstrumentKind.GEC:
            raise InvalidTransactionError("only green certificates expire in this ledger", field="kind")
        if tx.kind is TxKind.SURRENDER:
            uses += self._check_surrender(tx)
        return Movement(lot, q, holding, target, tx.serials), uses

    def _check_new(self, serials: tuple[SerialRange, ...]) -> None:
        for r in serials:
            if self._inside[r.block].overlapping(r.start, r.end):
                roles = {acc.role for acc in self._holders(r)}
                if roles & RETIRED:
                    raise DoubleClaimError(
                        f"serials {r} were already surrendered, claimed or retired in this park; "
                        "they cannot be used again",
                        field="serials",
                    )
                raise DuplicateSerialError(
                    f"serials {r} are already held in this park; check the statement for a duplicate",
                    field="serials",
                )

    def _holders(self, r: SerialRange) -> set[Account]:
        return {
            acc
            for (acc, _lot, block), ranges in self._state.serials.items()
            if block == r.block and ranges.overlapping(r.start, r.end)
        }

    def _check_held(self, holding: Account, tx: Transaction) -> None:
        held = self._state.quantity.get((holding, tx.lot), ZERO)
        if tx.lot.kind in SERIAL_KINDS:
            for r in tx.serials:
                ranges = self._state.serials.get((holding, tx.lot, r.block))
                if ranges is None or not ranges.contains(r.start, r.end):
                    if tx.kind is TxKind.CLAIM and any(
                        a.role is AccountRole.CLAIMED for a in self._holders(r)
                    ):
                        raise DoubleClaimError(f"serials {r} have been claimed already", field="serials")
                    raise SerialNotHeldError(
                        f"serials {r} of this lot are not (all) held on {tx.value_date.isoformat()}",
                        field="serials",
                    )
        elif held < tx.quantity:
            raise InsufficientHoldingsError(
                f"holds {held} {tx.lot.unit} of this lot on {tx.value_date.isoformat()}, not {tx.quantity}",
                field="quantity",
            )

    def _check_trade(self, tx: Transaction, *, buying: bool) -> list[RuleUse]:
        if not tx.lot.tradable:
            raise NotTradableError(
                "this green certificate lot is non-tradable (不可交易绿证)", field="tradable"
            )
        try:
            limit, use = self.rules.decimal("gec.max_trades", tx.value_date)
        except RuleError:
            return []
        if limit <= 1:
            for r in tx.serials:
                if self._traded[r.block].overlapping(r.start, r.end):
                    what = "bought" if buying else "sold or transferred"
                    raise DoubleSaleError(
                        f"serials {r} have been traded once already and cannot be {what} again "
                        "(a GEC is traded once)",
                        field="serials",
                    )
        return [use]

    def _check_claim_once(self, tx: Transaction) -> list[RuleUse]:
        try:
            return [self.rules.get("gec.max_claims", tx.value_date).use]
        except RuleError:
            return []

    def _check_validity(self, tx: Transaction) -> list[RuleUse]:
        assert tx.lot.production_month is not None
        until, uses = gec_valid_until(tx.lot.production_month, self.rules, tx.value_date)
        if until is None:
            return []
        if tx.kind is TxKind.EXPIRY:
            if tx.value_date <= until:
                raise InvalidTransactionError(
                    f"the certificates are valid until {until.isoformat()}; they expire after that date",
                    field="value_date",
                )
        elif tx.value_date > until:
            raise ExpiredError(
                f"the certificates were valid until {until.isoformat()} (production month "
                f"{tx.lot.production_month:%Y-%m}); record their expiry instead",
                field="value_date",
            )
        return uses

    def _check_surrender(self, tx: Transaction) -> list[RuleUse]:
        year = tx.compliance_year
        assert year is not None
        lot, uses = tx.lot, []
        if lot.kind not in (InstrumentKind.CEA, InstrumentKind.CCER):
            raise InvalidTransactionError("only CEA and CCER are surrendered", field="kind")
        if lot.kind is InstrumentKind.CEA:
            assert lot.vintage is not None
            if lot.vintage > year:
                allowed, use = self._flag("cea.borrowing_allowed", tx.value_date)
                if use:
                    uses.append(use)
                    if not allowed:
                        raise BorrowingError(
                            f"vintage {lot.vintage} allowances cannot be surrendered for {year} "
                            "(no borrowing under the allocation plan in force)",
                            field="vintage",
                        )
            elif lot.vintage < year:
                allowed, use = self._flag("cea.banking_allowed", tx.value_date)
                if use:
                    uses.append(use)
                    if not allowed:
                        raise BankingError(
                            f"vintage {lot.vintage} allowances cannot be carried into {year}", field="vintage"
                        )
        obligation = self.obligations.get((tx.owner, year))
        if lot.kind is InstrumentKind.CCER:
            if obligation is None:
                raise ObligationUnknownError(
                    f"the {year} obligation is not known, so the CCER cap cannot be checked; "
                    "record the verified emissions first",
                    field="compliance_year",
                )
            fraction, use = required_rule(self.rules, "ccer.offset_cap_fraction", tx.value_date)
            uses.append(use)
            cap = fraction * obligation
            used = self._ccer_surrendered[(tx.owner, year)]
            if used + tx.quantity > cap:
                raise CcerCapError(
                    f"CCER for {year} would be {fmt(used + tx.quantity)} t, above the cap of {fmt(cap)} t "
                    f"({fmt(fraction * 100)} % of the {fmt(obligation)} t obligation); "
                    f"{fmt(max(cap - used, ZERO))} t remain",
                    field="quantity",
                )
        if obligation is not None and self._surrendered[(tx.owner, year)] + tx.quantity > obligation:
            raise OverSurrenderError(
                f"{year}: {self._surrendered[(tx.owner, year)]} t surrendered of the {obligation} t due; "
                f"{tx.quantity} t more would exceed it",
                field="quantity",
            )
        return uses

    def _flag(self, rule_id: str, on: date) -> tuple[bool, RuleUse | None]:
        try:
            return self.rules.flag(rule_id, on)
        except RuleError:
            return True, None

    def _commit(self, tx: Transaction, m: Movement) -> None:
        self._state.post(m)
        for r in m.serials:
            if m.credit.role in EXTERNAL:
                self._inside[r.block].add(r.start, r.end)
            if m.debit.role in EXTERNAL:
                self._inside[r.block].remove(r.start, r.end)
            if tx.lot.kind is InstrumentKind.GEC and tx.kind in (
                TxKind.PURCHASE,
                TxKind.SALE,
                TxKind.TRANSFER,
            ):
                for s, e in _missing(self._traded[r.block], r.start, r.end):
                    self._traded[r.block].add(s, e)
        if tx.kind is TxKind.SURRENDER:
            assert tx.compliance_year is not None
            self._surrendered[(tx.owner, tx.compliance_year)] += tx.quantity
            if tx.lot.kind is InstrumentKind.CCER:
                self._ccer_surrendered[(tx.owner, tx.compliance_year)] += tx.quantity

    # ------------------------------------------------------------------------------------ reading

    def balances(self, at: date | None = None, *, owner: int | None = None) -> list[Balance]:
        """Non-zero balances of every account (or of ``owner``'s accounts) at the end of ``at``."""
        if at is None or all(d <= at for d in self._last_date.values()):
            state = self._state
        else:
            state = _State()
            for applied in self.journal:
                if applied.transaction.value_date > at:
                    continue
                for m in applied.movements:
                    state.post(m)
        serials: dict[tuple[Account, Lot], list[SerialRange]] = defaultdict(list)
        for (acc, lt, block), ranges in sorted(state.serials.items(), key=lambda kv: kv[0][2]):
            if owner is None or acc.owner == owner:
                serials[(acc, lt)].extend(SerialRange(block, s, e) for s, e in ranges)
        out = []
        for (account, lot), quantity in state.quantity.items():
            if quantity == 0 or (owner is not None and account.owner != owner):
                continue
            out.append(Balance(account, lot, quantity, tuple(serials.get((account, lot), ()))))
        return out

    def holdings(self, owner: int, at: date | None = None) -> list[Balance]:
        return [b for b in self.balances(at, owner=owner) if b.account.role is AccountRole.HOLDING]

    def surrendered(self, owner: int, year: int, at: date | None = None) -> tuple[Decimal, Decimal]:
        """(all, of which CCER) surrendered by ``owner`` for ``year`` [tCO2e], up to the end of ``at``."""
        if at is None:
            return self._surrendered[(owner, year)], self._ccer_surrendered[(owner, year)]
        total = ccer = ZERO
        for applied in self.journal:
            t = applied.transaction
            if (
                t.kind is TxKind.SURRENDER
                and t.owner == owner
                and t.compliance_year == year
                and t.value_date <= at
            ):
                total += t.quantity
                if t.lot.kind is InstrumentKind.CCER:
                    ccer += t.quantity
        return total, ccer

    def due_expiries(self, on: date) -> list[Transaction]:
        """Expiry transactions for every held GEC lot past its validity on ``on``."""
        out = []
        for b in self.balances():
            if b.account.role is not AccountRole.HOLDING or b.lot.kind is not InstrumentKind.GEC:
                continue
            if b.lot.production_month is None or b.account.owner is None:
                continue
            until, _ = gec_valid_until(b.lot.production_month, self.rules, on)
            if until is not None and on > until:
                out.append(Transaction(TxKind.EXPIRY, b.account.owner, on, b.lot, b.quantity, b.serials))
        return out

    def copy(self) -> Ledger:
        """An independent ledger with the same journal (replayed)."""
        other = Ledger(self.rules)
        other.obligations = dict(self.obligations)
        for applied in self.journal:
            other.apply(applied.transaction)
        return other


def required_rule(rules: RuleSet, rule_id: str, on: date) -> tuple[Decimal, RuleUse]:
    """A numeric rule the check cannot do without (:class:`NoRuleError` if none is in force on ``on``)."""
    try:
        return rules.decimal(rule_id, on)
    except RuleError:
        raise NoRuleError(
            f"no version of rule {rule_id} is in force on {on.isoformat()}; this cannot be checked",
            field="value_date",
        ) from None


def fmt(value: Decimal) -> str:
    """A quantity for a message: no exponent, no trailing zeros (``500.00`` → ``500``)."""
    return format(value.normalize(), "f")


def _missing(ranges: RangeSet, start: int, end: int) -> list[tuple[int, int]]:
    """Parts of ``start..end`` not in ``ranges``."""
    out, cursor = [], start
    for s, e in ranges.overlapping(start, end):
        if s > cursor:
            out.append((cursor, s - 1))
        cursor = e + 1
    if cursor <= end:
        out.append((cursor, end))
    return out


def _check_disjoint(serials: tuple[SerialRange, ...]) -> None:
    seen: dict[str, RangeSet] = defaultdict(RangeSet)
    for r in serials:
        try:
            seen[r.block].add(r.start, r.end)
        except ValueError:
            raise InvalidTransactionError(f"serial range {r} is listed twice", field="serials") from None


def with_serials(tx: Transaction, *serials: SerialRange) -> Transaction:
    """``tx`` with ``serials`` and the matching quantity (a helper for statements and tests)."""
    return replace(tx, serials=serials, quantity=Decimal(sum(r.count for r in serials)))
