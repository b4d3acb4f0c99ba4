"""Reconciliation of a registry statement against the ledger (对账): every difference listed.

A statement (注册登记系统持仓表) lists holdings at a date, one line per lot (a lot may span several
lines, e.g. one per serial range). Lines are summed per lot and compared with the ledger's holding
balances at the same date. Differences, each with the statement lines it comes from:

* ``missing_in_ledger`` — the statement holds a lot the ledger does not;
* ``missing_in_statement`` — the ledger holds a lot the statement does not;
* ``quantity`` — both hold the lot, in different quantities;
* ``serials`` — same quantity or not, the serial numbers differ (ledger-only and statement-only ranges);
* ``statement_overlap`` — the statement lists a serial number twice.

Nothing is adjusted: the enterprise decides which side is right and records the missing transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from parkcarbon.core.assets.ledger import SERIAL_KINDS, AccountRole, Balance, Lot, RangeSet, SerialRange

__all__ = ["Difference", "Reconciliation", "StatementLine", "reconcile"]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class StatementLine:
    line: int
    lot: Lot
    quantity: Decimal
    serials: tuple[SerialRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str
    lot: Lot
    ledger_quantity: Decimal
    statement_quantity: Decimal
    ledger_only: tuple[SerialRange, ...] = ()
    statement_only: tuple[SerialRange, ...] = ()
    lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconciliation:
    matched_lots: int
    differences: tuple[Difference, ...]

    @property
    def reconciled(self) -> bool:
        return not self.differences


def _ranges(serials: dict[str, RangeSet]) -> dict[str, set[tuple[int, int]]]:
    return {block: set(rs) for block, rs in serials.items()}


def _minus(a: dict[str, RangeSet], b: dict[str, RangeSet]) -> tuple[SerialRange, ...]:
    """Serial ranges in ``a`` that are not in ``b``."""
    out: list[SerialRange] = []
    for block, ranges in sorted(a.items()):
        other = b.get(block, RangeSet())
        for start, end in ranges:
            cursor = start
            for s, e in other.overlapping(start, end):
                if s > cursor:
                    out.append(SerialRange(block, cursor, s - 1))
                cursor = e + 1
            if cursor <= end:
                out.append(SerialRange(block, cursor, end))
    return tuple(out)


def reconcile(holdings: list[Balance], statement: list[StatementLine]) -> Reconciliation:
    """Compare ``holdings`` (the ledger's holding balances at the statement date) with ``statement``."""
    ledger_q: dict[Lot, Decimal] = defaultdict(lambda: ZERO)
    ledger_s: dict[Lot, dict[str, RangeSet]] = defaultdict(dict)
    for b in holdings:
        if b.account.role is not AccountRole.HOLDING:
            continue
        ledger_q[b.lot] += b.quantity
        for r in b.serials:
            ledger_s[b.lot].setdefault(r.block, RangeSet()).add(r.start, r.end)
    stmt_q: dict[Lot, Decimal] = defaultdict(lambda: ZERO)
    stmt_s: dict[Lot, dict[str, RangeSet]] = defaultdict(dict)
    lines: dict[Lot, list[int]] = defaultdict(list)
    differences: list[Difference] = []
    for ln in statement:
        stmt_q[ln.lot] += ln.quantity
        lines[ln.lot].append(ln.line)
        for r in ln.serials:
            ranges = stmt_s[ln.lot].setdefault(r.block, RangeSet())
            overlap = ranges.overlapping(r.start, r.end)
            if overlap:
                dup = tuple(SerialRange(r.block, s, e) for s, e in overlap)
                differences.append(
                    Difference("statement_overlap", ln.lot, ZERO, ln.quantity, (), dup, (ln.line,))
                )
                for s, e in _missing_parts(ranges, r.start, r.end):
                    ranges.add(s, e)
            else:
                ranges.add(r.start, r.end)
    matched = 0
    lots = list(dict.fromkeys([*ledger_q, *stmt_q]))
    for lot in lots:
        lq, sq = ledger_q.get(lot, ZERO), stmt_q.get(lot, ZERO)
        where = tuple(lines.get(lot, ()))
        if lot not in stmt_q:
            if lq != 0:
                differences.append(
                    Difference("missing_in_statement", lot, lq, ZERO, _minus(ledger_s.get(lot, {}), {}))
                )
            continue
        if lot not in ledger_q or lq == 0:
            differences.append(
                Difference("missing_in_ledger", lot, ZERO, sq, (), _minus(stmt_s.get(lot, {}), {}), where)
            )
            continue
        found = False
        if lq != sq:
            differences.append(Difference("quantity", lot, lq, sq, lines=where))
            found = True
        if lot.kind in SERIAL_KINDS and _ranges(ledger_s.get(lot, {})) != _ranges(stmt_s.get(lot, {})):
            differences.append(
                Difference(
                    "serials",
                    lot,
                    lq,
                    sq,
                    _minus(ledger_s.get(lot, {}), stmt_s.get(lot, {})),
                    _minus(stmt_s.get(lot, {}), ledger_s.get(lot, {})),
                    where,
                )
            )
            found = True
        matched += not found
    return Reconciliation(matched, tuple(differences))


def _missing_parts(ranges: RangeSet, start: int, end: int) -> list[tuple[int, int]]:
    out, cursor = [], start
    for s, e in ranges.overlapping(start, end):
        if s > cursor:
            out.append((cursor, s - 1))
        cursor = e + 1
    if cursor <= end:
        out.append((cursor, end))
    return out
