"""Unmetered activity data (非计量活动数据): spreadsheets and bills — parsing, validation, templates.

Monthly fuel purchases, coal deliveries with a measured net calorific value (NCV), diesel, purchased
steam and heat bills arrive as CSV or XLSX with one record per row. :func:`read_sheet` turns a file
into rows of text cells keyed by column id (Chinese header aliases accepted); :func:`validate_rows`
checks every row and returns the clean records plus a reason for every refused row. Nothing here
touches the database.

Columns (template order; ``*`` = required)
------------------------------------------
``carrier*`` energy carrier id (diesel, raw_coal, natural_gas, steam, heat …) · ``quantity*`` · ``unit*``
· ``period_start*``, ``period_end*`` (ISO dates, inclusive) · ``use`` (combustion/feedstock/exported,
purchased/exported) · ``ncv`` + ``ncv_unit`` (measured net calorific value, e.g. 21.5 GJ/t) ·
``carbon_content`` [tC/TJ] · ``oxidation_rate`` [fraction] · ``supplier_factor`` + ``supplier_factor_unit``
(tCO2/GJ for heat, tCO2/MWh for electricity) · ``pressure_mpa``, ``temperature_c`` (steam) · ``cost_cny`` ·
``supplier`` · ``document_ref`` (invoice, bill or delivery note number) · ``evidence`` (note).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from parkcarbon import sheets
from parkcarbon.core import CARRIERS
from parkcarbon.core.carriers import Carrier
from parkcarbon.core.coefficients import USES
from parkcarbon.core.errors import UnitError
from parkcarbon.core.units import conversion_factor, dimension_of, parse_unit
from parkcarbon.ingest.errors import BatchTooLarge, MalformedBody, UnsupportedMediaType

__all__ = [
    "ACTIVITY_COLUMNS",
    "ActivityRow",
    "SheetRow",
    "read_sheet",
    "template_csv",
    "template_xlsx",
    "validate_rows",
]

#: Column id → (Chinese header, required, description).
ACTIVITY_COLUMNS: dict[str, tuple[str, bool, str]] = {
    "carrier": (
        "能源品种",
        True,
        "carrier id: diesel, raw_coal, bituminous_coal, natural_gas, lpg, steam, heat …",
    ),
    "quantity": ("数量", True, "quantity in `unit` (≥ 0)"),
    "unit": ("单位", True, "t, kg, L, Nm3, 10^4 Nm3, GJ, MWh, kWh …"),
    "period_start": ("开始日期", True, "first day covered (YYYY-MM-DD)"),
    "period_end": ("结束日期", True, "last day covered (YYYY-MM-DD, inclusive)"),
    "use": ("用途", False, "combustion / feedstock / exported (fuels); purchased / exported (heat, power)"),
    "ncv": ("实测低位发热量", False, "measured net calorific value"),
    "ncv_unit": ("发热量单位", False, "GJ/t, MJ/kg, kJ/kg, GJ/10^4 Nm3, MJ/Nm3"),
    "carbon_content": ("单位热值含碳量", False, "measured carbon content [tC/TJ]"),
    "oxidation_rate": ("碳氧化率", False, "fraction, e.g. 0.98"),
    "supplier_factor": ("供应商排放因子", False, "supplier's emission factor"),
    "supplier_factor_unit": ("因子单位", False, "tCO2/GJ (heat, steam) or tCO2/MWh (electricity)"),
    "pressure_mpa": ("蒸汽压力MPa", False, "steam pressure [MPa, absolute]"),
    "temperature_c": ("温度℃", False, "steam or hot-water temperature [°C]"),
    "cost_cny": ("金额元", False, "amount paid [CNY]"),
    "supplier": ("供应商", False, "supplier"),
    "document_ref": ("单据号", False, "invoice, bill or delivery-note number"),
    "evidence": ("备注", False, "note on the evidence"),
}
_ALIASES = {zh: key for key, (zh, _req, _d) in ACTIVITY_COLUMNS.items()}
_NUMBERS = (
    "quantity", "ncv", "carbon_content", "oxidation_rate", "supplier_factor", "pressure_mpa", "temperature_c",
    "cost_cny",
)  # fmt: skip
XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/octet-stream",
}
MAX_ROWS = 10_000
_NCV_UNITS = {"GJ/t", "MJ/kg", "kJ/kg", "GJ/10^4 Nm3", "GJ/万Nm3", "MJ/Nm3", "kJ/Nm3", "GJ/kL", "MJ/L"}
_FACTOR_UNITS = {"tCO2/GJ", "tCO2/MWh"}


@dataclass
class SheetRow:
    """One data row: its 1-based line (CSV) or row number (XLSX) and its cells by column id."""

    line: int
    cells: dict[str, str]


@dataclass
class ActivityRow:
    """A validated activity record (values typed, units as given)."""

    line: int
    values: dict[str, Any]


@dataclass
class SheetReport:
    """Validation report: clean rows, and every refused row with its reasons."""

    rows: list[ActivityRow] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _header(cells: list[Any]) -> list[str | None]:
    out: list[str | None] = []
    for c in cells:
        name = str(c).strip() if c is not None else ""
        key = name.lower() if name.lower() in ACTIVITY_COLUMNS else _ALIASES.get(name)
        out.append(key)
    return out


def read_sheet(data: bytes, *, filename: str | None, content_type: str | None) -> list[SheetRow]:
    """Rows of a CSV or XLSX file (the first sheet; the first row is the header).

    Raises
    ------
    MalformedBody
        Unreadable file, no header, or a required column missing.
    UnsupportedMediaType
        Neither CSV nor XLSX.
    BatchTooLarge
        More than 10 000 data rows.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower()
    is_xlsx = (
        name.endswith(".xlsx") or data[:2] == b"PK" or media in XLSX_TYPES - {"application/octet-stream"}
    )
    if is_xlsx:
        table = _xlsx_rows(data)
    elif name.endswith(".csv") or media in {"text/csv", "application/csv", "text/plain"} or not media:
        table = _csv_rows(data)
    else:
        raise UnsupportedMediaType(f"{media or name!r} is neither CSV nor XLSX", field="file")
    if not table:
        raise MalformedBody("the file is empty; the first row must be the header", field="file")
    header = _header(table[0][1])
    missing = [k for k, (_zh, req, _d) in ACTIVITY_COLUMNS.items() if req and k not in header]
    if missing:
        raise MalformedBody(
            f"the header lacks the required column(s) {missing}; download the template", field="header"
        )
    rows: list[SheetRow] = []
    for line, cells in table[1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise BatchTooLarge(f"more than {MAX_ROWS} rows; split the file", limit=MAX_ROWS)
        row = {}
        for key, c in zip(header, cells, strict=False):
            if key is not None and c is not None and str(c).strip() != "":
                row[key] = c.isoformat()[:10] if isinstance(c, date) else str(c).strip()
        rows.append(SheetRow(line=line, cells=row))
    return rows


def _csv_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        return list(sheets.csv_rows(sheets.decode_text(data)))
    except sheets.SheetError as exc:
        raise MalformedBody(exc.reason, field=exc.field) from exc


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        return sheets.read_xlsx(data)
    except sheets.SheetError as exc:
        raise MalformedBody(exc.reason, field=exc.field) from exc


def _number(text: str) -> float | None:
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def validate_rows(rows: list[SheetRow], *, today: date) -> SheetReport:
    """Check every row; see the module docstring for the columns."""
    report = SheetReport()
    for row in rows:
        v, errors = _check_row(row.cells, today=today)
        if errors:
            for fieldname, reason in errors:
                report.rejected.append({"row": row.line, "field": fieldname, "reason": reason})
        else:
            report.rows.append(ActivityRow(line=row.line, values=v))
    return report


def _check_row(cells: dict[str, str], *, today: date) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row's typed values and its refusals (field, reason), in column-check order."""
    v: dict[str, Any] = {}
    errors = _typed_cells(cells, v)
    car = CARRIERS.get(v["carrier"])
    errors += _check_carrier_and_unit(cells, v, car)
    errors += _check_period(cells, v, today=today)
    errors += _check_measured(v)
    return v, errors


def _typed_cells(cells: dict[str, str], v: dict[str, Any]) -> list[tuple[str, str]]:
    """Required cells present, numbers parsed, texts cut to length, the carrier id normalised (into ``v``)."""
    errors: list[tuple[str, str]] = []
    for key, (_zh, required, _d) in ACTIVITY_COLUMNS.items():
        if required and not cells.get(key):
            errors.append((key, "is required"))
    for key in _NUMBERS:
        if key in cells:
            num = _number(cells[key])
            if num is None:
                errors.append((key, f"must be a finite number, got {cells[key][:30]!r}"))
            else:
                v[key] = num
    for key in ("ncv_unit", "supplier_factor_unit", "supplier", "document_ref", "evidence", "use"):
        if key in cells:
            v[key] = cells[key][:200] if key != "evidence" else cells[key][:4000]
    v["carrier"] = cells.get("carrier", "").strip().lower()
    return errors


def _check_carrier_and_unit(
    cells: dict[str, str], v: dict[str, Any], car: Carrier | None
) -> list[tuple[str, str]]:
    """A known carrier, a unit of its quantity, a non-negative quantity and a use the carrier allows."""
    errors: list[tuple[str, str]] = []
    car_id = v["carrier"]
    if cells.get("carrier") and car is None:
        errors.append(
            ("carrier", f"unknown carrier {cells['carrier']!r}; e.g. {', '.join(sorted(CARRIERS)[:8])} …")
        )
    unit = cells.get("unit", "")
    if unit:
        try:
            v["unit"] = parse_unit(unit).symbol
        except UnitError:
            errors.append(("unit", f"unknown unit {unit!r}"))
        else:
            if car is not None:
                errors += _unit_fits(car_id, car.kind, car.default_unit, v["unit"])
    if "quantity" in v and v["quantity"] < 0:
        errors.append(("quantity", "must not be negative (record exports with use = exported)"))
    if car is not None and "use" in v and v["use"] not in USES[car.kind]:
        errors.append(("use", f"must be one of {', '.join(USES[car.kind])} for {car_id}"))
    return errors


def _check_period(cells: dict[str, str], v: dict[str, Any], *, today: date) -> list[tuple[str, str]]:
    """Readable dates, end not before start, at most a year, not in the future (ISO dates into ``v``)."""
    errors: list[tuple[str, str]] = []
    start, end = _date(cells.get("period_start", "")), _date(cells.get("period_end", ""))
    if cells.get("period_start") and start is None:
        errors.append(("period_start", "must be a date YYYY-MM-DD"))
    if cells.get("period_end") and end is None:
        errors.append(("period_end", "must be a date YYYY-MM-DD"))
    if start and end:
        if end < start:
            errors.append(("period_end", "is before period_start"))
        elif (end - start).days > 366:
            errors.append(("period_end", "the period is longer than a year; one row per month or bill"))
        if end > today:
            errors.append(("period_end", "is in the future"))
        v["period_start"], v["period_end"] = start.isoformat(), end.isoformat()
    return errors


def _check_measured(v: dict[str, Any]) -> list[tuple[str, str]]:
    """Plausible measured parameters (NCV with its unit, carbon content, oxidation rate, supplier factor
    with its unit) and a non-negative cost."""
    errors: list[tuple[str, str]] = []
    if "ncv" in v:
        if v["ncv"] <= 0:
            errors.append(("ncv", "must be positive"))
        if not v.get("ncv_unit"):
            errors.append(("ncv_unit", "is required with ncv (e.g. GJ/t)"))
        elif v["ncv_unit"].replace(" ", "") not in {u.replace(" ", "") for u in _NCV_UNITS}:
            errors.append(("ncv_unit", f"must be one of {', '.join(sorted(_NCV_UNITS))}"))
    if "carbon_content" in v and not 0 < v["carbon_content"] < 40:
        errors.append(("carbon_content", "must be in tC/TJ (0–40; e.g. 26.37 for bituminous coal)"))
    if "oxidation_rate" in v and not 0 < v["oxidation_rate"] <= 1:
        errors.append(("oxidation_rate", "must be a fraction in (0, 1], e.g. 0.98"))
    if "supplier_factor" in v:
        if v["supplier_factor"] < 0:
            errors.append(("supplier_factor", "must not be negative"))
        if (v.get("supplier_factor_unit") or "").replace(" ", "") not in _FACTOR_UNITS:
            errors.append(("supplier_factor_unit", "must be tCO2/GJ or tCO2/MWh"))
    if "cost_cny" in v and v["cost_cny"] < 0:
        errors.append(("cost_cny", "must not be negative"))
    return errors


def _unit_fits(carrier_id: str, kind: str, default_unit: str, unit: str) -> list[tuple[str, str]]:
    dim = dimension_of(unit)
    if kind == "heat":
        if carrier_id in {"steam", "hot_water"} and dim in {"mass", "energy"}:
            return []
        if dim == "energy":
            return []
        return [("unit", f"{unit} is not a unit of {carrier_id} (use t for steam, GJ for heat)")]
    if kind == "fuel" and dim in {"mass", "volume", "energy"}:
        return []
    try:
        conversion_factor(unit, default_unit)
    except UnitError:
        return [("unit", f"{unit} is not a unit of {carrier_id} (e.g. {default_unit})")]
    return []


_EXAMPLES = [
    {"carrier": "diesel", "quantity": "12.5", "unit": "t", "period_start": "2026-01-01",
     "period_end": "2026-01-31", "use": "combustion", "cost_cny": "98000", "supplier": "园区加油站",
     "document_ref": "FP-2026-001"},
    {"carrier": "bituminous_coal", "quantity": "850", "unit": "t", "period_start": "2026-01-01",
     "period_end": "2026-01-31", "use": "combustion", "ncv": "21.35", "ncv_unit": "GJ/t",
     "carbon_content": "26.37", "oxidation_rate": "0.98", "supplier": "晋煤物流",
     "document_ref": "JS-2601-17",
     "evidence": "化验报告 LAB-2601-03"},
    {"carrier": "steam", "quantity": "1320", "unit": "t", "period_start": "2026-01-01",
     "period_end": "2026-01-31", "use": "purchased", "pressure_mpa": "1.0", "temperature_c": "250",
     "supplier_factor": "0.11", "supplier_factor_unit": "tCO2/GJ", "cost_cny": "290400",
     "supplier": "园区热电厂", "document_ref": "RL-2026-01"},
]  # fmt: skip


def template_csv() -> bytes:
    """The CSV template: header (column ids) and three example rows (UTF-8 with BOM for Excel)."""
    return sheets.write_csv(
        [list(ACTIVITY_COLUMNS), *([ex.get(k, "") for k in ACTIVITY_COLUMNS] for ex in _EXAMPLES)]
    )


def template_xlsx() -> bytes:
    """The XLSX template: a data sheet with the header and examples, and a sheet explaining columns."""
    from openpyxl.styles import Font

    wb = sheets.new_workbook()
    ws = wb.create_sheet("activity_data")
    sheets.append_row(ws, list(ACTIVITY_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for ex in _EXAMPLES:
        sheets.append_row(ws, [_cell(ex.get(k)) for k in ACTIVITY_COLUMNS])
    info = wb.create_sheet("说明 instructions")
    sheets.append_row(info, ["column", "中文", "required", "description"])
    for key, (zh, req, desc) in ACTIVITY_COLUMNS.items():
        sheets.append_row(info, [key, zh, "yes" if req else "", desc])
    sheets.append_row(info, [])
    sheets.append_row(info, ["carriers", ", ".join(sorted(CARRIERS))])
    return sheets.workbook_bytes(wb)


def _cell(value: str | None) -> Any:
    if value is None:
        return None
    num = _number(value)
    return num if num is not None else value
