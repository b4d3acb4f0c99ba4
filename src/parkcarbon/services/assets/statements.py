"""Import of a registry statement (持仓对账单, CSV or XLSX) and its reconciliation with the ledger.

Columns (header row; English ids or the Chinese headers below, any order; unknown columns are ignored and
listed): ``instrument`` (品种: cea, ccer, gec, green_power, energy_right, retail, or 配额 / 绿证 / 绿电 /
用能权 / 售电), ``quantity`` (数量) and the lot attributes of the instrument (``docs/assets.md``):
``vintage`` (年度), ``project`` (项目), ``methodology`` (方法学), ``technology`` (技术类型),
``production_month`` (生产年月), ``tradable`` (可交易), ``contract`` (合同), ``period`` (月份),
``region`` (省份); serial instruments add ``serial_block`` (序列号段), ``serial_start`` (起始序号),
``serial_end`` (截止序号). Every line that cannot be read is reported (line, field, reason); every other
line is compared (:func:`parkcarbon.core.assets.reconcile`). Nothing is recorded in the ledger.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from parkcarbon import sheets
from parkcarbon.core.assets import InstrumentKind, Lot, SerialRange, StatementLine, reconcile
from parkcarbon.core.assets.errors import AssetError
from parkcarbon.services import access
from parkcarbon.services.assets.ledger import load_ledger, lot_public, park_day, serials_public
from parkcarbon.services.assets.schemas import (
    DifferencePublic,
    ReconciliationPublic,
    RowRejected,
    StatementUpload,
)
from parkcarbon.services.errors import InvalidInput
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database

__all__ = ["COLUMNS", "reconcile_statement"]

MAX_BYTES = 10 * 1024 * 1024
#: column id → accepted headers (lower-cased)
COLUMNS: dict[str, tuple[str, ...]] = {
    "instrument": ("instrument", "品种"),
    "quantity": ("quantity", "数量"),
    "vintage": ("vintage", "年度"),
    "project": ("project", "项目"),
    "methodology": ("methodology", "方法学"),
    "technology": ("technology", "技术类型"),
    "production_month": ("production_month", "生产年月"),
    "tradable": ("tradable", "可交易"),
    "contract": ("contract", "合同"),
    "period": ("period", "月份"),
    "region": ("region", "省份"),
    "serial_block": ("serial_block", "序列号段"),
    "serial_start": ("serial_start", "起始序号"),
    "serial_end": ("serial_end", "截止序号"),
}
_HEADER = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
INSTRUMENTS = {
    **{k.value: k for k in InstrumentKind},
    "配额": InstrumentKind.CEA,
    "绿证": InstrumentKind.GEC,
    "绿电": InstrumentKind.GREEN_POWER,
    "用能权": InstrumentKind.ENERGY_RIGHT,
    "售电": InstrumentKind.RETAIL,
}
_TRUE = {"true", "yes", "1", "是", "可交易"}
_FALSE = {"false", "no", "0", "否", "不可交易"}


class _RowError(Exception):
    def __init__(self, field: str, reason: str, code: str) -> None:
        super().__init__(reason)
        self.field, self.reason, self.code = field, reason, code


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, date):
        return f"{cell:%Y-%m}"
    return str(cell).strip()


def _int(row: dict[str, str], field: str) -> int | None:
    value = row.get(field, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise _RowError(field, f"{value!r} is not a whole number", "input.type") from None


def _line(row: dict[str, str], number: int) -> StatementLine:
    name = row.get("instrument", "").lower()
    if not name:
        raise _RowError("instrument", "is empty", "input.required")
    if name not in INSTRUMENTS:
        raise _RowError(
            "instrument",
            f"{name!r} is not one of {', '.join(k.value for k in InstrumentKind)}",
            "input.choice",
        )
    kind = INSTRUMENTS[name]
    try:
        quantity = Decimal(row.get("quantity", "").replace(",", ""))
    except InvalidOperation:
        raise _RowError("quantity", "is not a number", "input.type") from None
    if not quantity.is_finite() or quantity <= 0:
        raise _RowError("quantity", "must be a positive number", "input.range")
    tradable_text = row.get("tradable", "").lower()
    tradable = True if tradable_text in _TRUE else False if tradable_text in _FALSE else None
    if tradable_text and tradable is None:
        raise _RowError("tradable", f"{tradable_text!r} is neither yes nor no", "input.choice")
    month = row.get("production_month", "")
    try:
        production = date.fromisoformat(month[:7] + "-01") if month else None
    except ValueError:
        raise _RowError("production_month", f"{month!r} is not a month YYYY-MM", "input.format") from None
    try:
        lot = Lot(
            kind,
            vintage=_int(row, "vintage"),
            project=row.get("project") or None,
            methodology=row.get("methodology") or None,
            technology=row.get("technology") or None,
            production_month=production,
            tradable=tradable,
            contract=row.get("contract") or None,
            period=row.get("period") or None,
            region=row.get("region") or None,
        )
        serials: tuple[SerialRange, ...] = ()
        start, end = _int(row, "serial_start"), _int(row, "serial_end")
        if row.get("serial_block") or start is not None or end is not None:
            if start is None or end is None:
                raise _RowError(
                    "serial_start", "a serial range needs its block, start and end", "input.required"
                )
            serials = (SerialRange(row.get("serial_block", ""), start, end),)
            if quantity != serials[0].count:
                raise _RowError(
                    "quantity", "must equal the number of serials of the line", "assets.invalid_transaction"
                )
    except AssetError as exc:
        raise _RowError(exc.field or "instrument", exc.message, exc.code) from None
    return StatementLine(number, lot, quantity, serials)


def reconcile_statement(
    db: Database, p: Principal, enterprise_id: int, data: StatementUpload
) -> ReconciliationPublic:
    """Compare a registry statement with the enterprise's holdings at its date (members and ``assets``
    grantees; nothing is recorded)."""
    try:
        content = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.field("content_base64", "is not valid base64") from None
    if len(content) > MAX_BYTES:
        raise InvalidInput.field("content_base64", "the statement is larger than 10 MiB", code="input.range")
    with db.read() as s:
        org = access.require_assets_read(s, p, enterprise_id)
        try:
            table = sheets.read_table(content, filename=data.filename, content_type=data.content_type)
        except sheets.SheetError as exc:
            raise InvalidInput.field("content_base64", exc.reason, code="input.format") from None
        if not table:
            raise InvalidInput.field("content_base64", "the statement is empty", code="input.required")
        header_line, header = table[0]
        columns = [_HEADER.get(_text(h).lower()) for h in header]
        missing = [c for c in ("instrument", "quantity") if c not in columns]
        if missing:
            raise InvalidInput(
                f"the statement needs the columns {', '.join(missing)} (line {header_line})",
                errors=[
                    {"field": c, "reason": "column missing from the header", "code": "input.required"}
                    for c in missing
                ],
            )
        accepted: list[StatementLine] = []
        rejected: list[RowRejected] = []
        rows = [(n, cells) for n, cells in table[1:] if any(_text(c) for c in cells)]
        for number, cells in rows:
            row = {col: _text(cell) for col, cell in zip(columns, cells, strict=False) if col is not None}
            try:
                accepted.append(_line(row, number))
            except _RowError as exc:
                rejected.append(RowRejected(line=number, field=exc.field, reason=exc.reason, code=exc.code))
        day = park_day(s, org.park_id, data.at)
        ledger = load_ledger(s, org.park_id)
        result = reconcile(ledger.holdings(org.id, day), accepted)
        differences = [
            DifferencePublic(
                kind=d.kind,
                lot=lot_public(d.lot),
                ledger_quantity=float(d.ledger_quantity),
                statement_quantity=float(d.statement_quantity),
                ledger_only=serials_public((r.block, r.start, r.end) for r in d.ledger_only),
                statement_only=serials_public((r.block, r.start, r.end) for r in d.statement_only),
                lines=list(d.lines),
            )
            for d in result.differences
        ]
        return ReconciliationPublic(
            enterprise_id=org.id,
            at=day,
            lines_read=len(rows),
            lines_accepted=len(accepted),
            rejected=rejected,
            matched_lots=result.matched_lots,
            differences=differences,
            reconciled=result.reconciled and not rejected,
        )
