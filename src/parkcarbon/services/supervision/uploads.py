"""Spreadsheet upload of monthly economic data and product output (经济数据与产品产量导入).

One row per enterprise and month; a row carries the economic figures, a product's output, or both.
Every valid row is stored (created or updated); every other row comes back with its line, field and
reason; nothing is silently dropped.

Columns (``*`` required; Chinese headers accepted)
--------------------------------------------------
``enterprise*`` (企业: id, unified social credit code or name) · ``year*`` (年份) · ``month*`` (月份) ·
``kind`` (类型: ``actual``/实际 or ``plan``/计划; default actual) · ``output_value_10k_cny`` (总产值万元) ·
``value_added_10k_cny`` (工业增加值万元) · ``product`` (产品: id or name in the enterprise file) ·
``product_quantity`` (产量, in the product's unit).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from parkcarbon import sheets
from parkcarbon.services import access
from parkcarbon.services.errors import InvalidInput, PayloadTooLarge
from parkcarbon.services.intake.readings import MediaTypeNotSupported
from parkcarbon.services.principal import Principal
from parkcarbon.services.supervision.schemas import (
    BulkReport,
    EconomicsRow,
    ProductOutputRecord,
    RowProblem,
)
from parkcarbon.services.supervision.targets import record_economics_bulk, record_product_output_bulk
from parkcarbon.store.db import Database
from parkcarbon.store.models import EnterpriseProduct, Organisation, OrgKind

__all__ = ["COLUMNS", "template", "upload"]

#: Column id → (Chinese header, required, description).
COLUMNS: dict[str, tuple[str, bool, str]] = {
    "enterprise": ("企业", True, "enterprise id, unified social credit code or name"),
    "year": ("年份", True, "calendar year, e.g. 2026"),
    "month": ("月份", True, "1–12"),
    "kind": ("类型", False, "actual (实际, default) or plan (计划, production plan)"),
    "output_value_10k_cny": ("总产值万元", False, "gross output value of the month [10^4 CNY]"),
    "value_added_10k_cny": ("工业增加值万元", False, "value added of the month [10^4 CNY]"),
    "product": ("产品", False, "product id or name (as in the enterprise file)"),
    "product_quantity": ("产量", False, "output of the product in the month, in the product's unit"),
}
_ALIASES = {zh: key for key, (zh, _r, _d) in COLUMNS.items()} | {"总产值": "output_value_10k_cny"}
_KINDS = {"actual": "actual", "实际": "actual", "plan": "plan", "计划": "plan"}
MAX_ROWS = 20_000
_EXAMPLES = [
    {"enterprise": "91320500MA1XXXXXXX", "year": "2026", "month": "1", "kind": "actual",
     "output_value_10k_cny": "5200", "value_added_10k_cny": "1300", "product": "热轧带钢",
     "product_quantity": "12000"},
    {"enterprise": "绿源食品饮料有限公司", "year": "2026", "month": "1", "kind": "plan",
     "output_value_10k_cny": "3100"},
]  # fmt: skip


def _rows(data: bytes, filename: str | None, content_type: str | None) -> list[tuple[int, list[Any]]]:
    try:
        return sheets.read_table(data, filename=filename, content_type=content_type)
    except sheets.NotASpreadsheet as exc:
        raise MediaTypeNotSupported(exc.reason, errors=[{"field": exc.field, "reason": exc.reason}]) from exc
    except sheets.SheetError as exc:
        raise InvalidInput.field(exc.field, exc.reason) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(text: str) -> float | None:
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def upload(
    db: Database,
    p: Principal,
    park_id: int,
    data: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    dry_run: bool = False,
) -> BulkReport:
    """Validate a CSV/XLSX file and store its valid rows (none with ``dry_run``).

    Raises
    ------
    InvalidInput
        Unreadable file or header; or every row was refused (``errors`` is the per-row report).
    """
    with db.read() as s:
        access.require_park(s, p, park_id)
        orgs = s.execute(
            select(Organisation.id, Organisation.name, Organisation.credit_code).where(
                Organisation.park_id == park_id, Organisation.kind == OrgKind.ENTERPRISE
            )
        ).all()
        products = s.execute(
            select(EnterpriseProduct.id, EnterpriseProduct.enterprise_id, EnterpriseProduct.name).where(
                EnterpriseProduct.park_id == park_id
            )
        ).all()
    by_key: dict[str, int] = {}
    for oid, name, code in orgs:
        by_key[str(oid)] = oid
        by_key[name] = oid
        if code:
            by_key[code.upper()] = oid
    product_of = {(ent, name): pid for pid, ent, name in products} | {
        (ent, str(pid)): pid for pid, ent, _n in products
    }
    table = _rows(data, filename, content_type)
    if not table:
        raise InvalidInput.field("file", "the file is empty; the first row must be the header")
    header = [
        (str(c).strip().lower() if str(c).strip().lower() in COLUMNS else _ALIASES.get(str(c).strip()))
        if c is not None else None
        for c in table[0][1]
    ]  # fmt: skip
    missing = [k for k, (_zh, req, _d) in COLUMNS.items() if req and k not in header]
    if missing:
        raise InvalidInput.field("header", f"the header lacks the column(s) {missing}; download the template")
    body = [(line, cells) for line, cells in table[1:] if any(_text(c) for c in cells)]
    if len(body) > MAX_ROWS:
        raise PayloadTooLarge(f"more than {MAX_ROWS} rows; split the file")
    econ: list[tuple[int, EconomicsRow]] = []
    prod: list[tuple[int, ProductOutputRecord]] = []
    rejected: list[RowProblem] = []
    for line, cells in body:
        row = {k: _text(c) for k, c in zip(header, cells, strict=False) if k is not None}
        problems, e_row, p_row = _parse(line, row, by_key, product_of)
        rejected.extend(problems)
        if e_row is not None:
            econ.append((line, e_row))
        if p_row is not None:
            prod.append((line, p_row))
    report_e = record_economics_bulk(
        db, p, park_id, econ, source="upload", dry_run=dry_run, filename=filename
    ) if econ else BulkReport(rows=0, created=0, updated=0, rejected=[])  # fmt: skip
    report_p = record_product_output_bulk(
        db, p, park_id, prod, source="upload", dry_run=dry_run, filename=filename
    ) if prod else BulkReport(rows=0, created=0, updated=0, rejected=[])  # fmt: skip
    rejected = sorted([*rejected, *report_e.rejected, *report_p.rejected], key=lambda r: (r.row, r.field))
    stored = report_e.created + report_e.updated + report_p.created + report_p.updated
    if body and not stored:
        raise InvalidInput(
            f"all {len(body)} row(s) were refused; nothing was stored",
            errors=[r.model_dump() for r in rejected],
        )
    return BulkReport(
        rows=len(body), created=report_e.created + report_p.created,
        updated=report_e.updated + report_p.updated, rejected=rejected, dry_run=dry_run, filename=filename,
    )  # fmt: skip


def _parse(
    line: int, row: dict[str, str], by_key: dict[str, int], product_of: dict[tuple[int, str], int]
) -> tuple[list[RowProblem], EconomicsRow | None, ProductOutputRecord | None]:
    problems: list[RowProblem] = []
    ent_text = row.get("enterprise", "")
    ent = by_key.get(ent_text) or by_key.get(ent_text.upper())
    if ent is None:
        problems.append(RowProblem(row=line, field="enterprise", reason=f"no enterprise {ent_text!r} here"))
    kind = _KINDS.get(row.get("kind", "").lower() or "actual")
    if kind is None:
        problems.append(RowProblem(row=line, field="kind", reason="use actual or plan"))
    numbers: dict[str, float | None] = {}
    for key in ("year", "month", "output_value_10k_cny", "value_added_10k_cny", "product_quantity"):
        text = row.get(key, "")
        numbers[key] = _number(text) if text else None
        if text and numbers[key] is None:
            problems.append(RowProblem(row=line, field=key, reason=f"{text!r} is not a number"))
    has_econ = numbers["output_value_10k_cny"] is not None or numbers["value_added_10k_cny"] is not None
    has_prod = bool(row.get("product")) or numbers["product_quantity"] is not None
    if not has_econ and not has_prod and not problems:
        problems.append(
            RowProblem(row=line, field="output_value_10k_cny", reason="the row has no figure to record")
        )
    if problems or ent is None or kind is None:
        return problems, None, None
    year, month = numbers["year"], numbers["month"]
    for key, value in (("year", year), ("month", month)):
        if value is None or not float(value).is_integer():
            return [RowProblem(row=line, field=key, reason="a whole number is required")], None, None
    e_row = p_row = None
    base = {"year": int(year or 0), "month": int(month or 0), "kind": kind}
    try:
        if has_econ:
            e_row = EconomicsRow(
                enterprise_id=ent,
                output_value_10k_cny=numbers["output_value_10k_cny"],
                value_added_10k_cny=numbers["value_added_10k_cny"],
                **base,  # type: ignore[arg-type]
            )
        if has_prod:
            pid = product_of.get((ent, row.get("product", "")))
            if pid is None:
                return [RowProblem(row=line, field="product", reason="no such product in the enterprise's "
                                   "file (add it there first)")], None, None  # fmt: skip
            if numbers["product_quantity"] is None:
                return [RowProblem(row=line, field="product_quantity", reason="required with a product")], (
                    None
                ), None  # fmt: skip
            p_row = ProductOutputRecord(product_id=pid, quantity=numbers["product_quantity"], **base)  # type: ignore[arg-type]
    except ValidationError as exc:
        return (
            [
                RowProblem(row=line, field=".".join(str(x) for x in err["loc"]) or "row", reason=err["msg"])
                for err in exc.errors()
            ],
            None,
            None,
        )
    return [], e_row, p_row


def template(db: Database, p: Principal, park_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The upload template: ``(content, media type, filename)``; XLSX has an instructions sheet."""
    with db.read() as s:
        access.require_park(s, p, park_id)
    if fmt == "csv":
        rows = [list(COLUMNS), *([ex.get(k, "") for k in COLUMNS] for ex in _EXAMPLES)]
        return sheets.write_csv(rows), sheets.CSV_MEDIA, "economics-template.csv"
    from openpyxl.styles import Font

    wb = sheets.new_workbook()
    ws = wb.create_sheet("economics")
    sheets.append_row(ws, list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for ex in _EXAMPLES:
        sheets.append_row(ws, [(_number(v) if _number(v) is not None and k != "enterprise" else v) for k, v in
                               ((k, ex.get(k, "")) for k in COLUMNS)])  # fmt: skip
    info = wb.create_sheet("说明 instructions")
    sheets.append_row(info, ["column", "中文", "required", "description"])
    for key, (zh, req, desc) in COLUMNS.items():
        sheets.append_row(info, [key, zh, "yes" if req else "", desc])
    return sheets.workbook_bytes(wb), sheets.XLSX_MEDIA, "economics-template.xlsx"
