"""Registry lists and a meter's readings as XLSX workbooks (名录与计量数据导出).

Every workbook is written through :mod:`parkcarbon.sheets` (text that looks like a formula stays text),
with bilingual headers; what a workbook holds is exactly what the same caller may list or read (the
list and read services decide, this module only lays the rows out).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.utils import get_column_letter

from parkcarbon import sheets
from parkcarbon.core.carriers import carrier_label
from parkcarbon.services.intake.readings import meter_readings
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import meters, organisations
from parkcarbon.store.db import Database

__all__ = ["meter_readings_workbook", "meters_workbook", "organisations_workbook"]

#: the largest list a workbook holds (the lists' own page limit)
_ALL = PageParams(limit=1000)


def _workbook(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    wb = sheets.new_workbook()
    ws = wb.create_sheet(title)
    sheets.append_row(ws, list(header))
    for row in rows:
        sheets.append_row(ws, list(row))
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(name) + 4))
    ws.freeze_panes = "A2"
    return sheets.workbook_bytes(wb)


def organisations_workbook(db: Database, p: Principal, park_id: int, *, q: str | None = None) -> bytes:
    """The organisations the caller lists (``q`` as in :func:`organisations.list_organisations`)."""
    rows = organisations.list_organisations(db, p, _ALL, park_id=park_id, q=q).data
    return _workbook(
        "organisations",
        ["名称 Name", "英文名称 English name", "类型 Kind", "统一社会信用代码 Credit code",
         "行业代码 GB/T 4754-2017", "行业 Industry", "Industry (en)"],
        [[o.name, o.name_en, o.kind.value, o.credit_code, o.industry_code, o.industry_name,
          o.industry_name_en] for o in rows],
    )  # fmt: skip


def meters_workbook(
    db: Database,
    p: Principal,
    park_id: int,
    *,
    enterprise_ids: set[int] | None = None,
    language: str = "zh-CN",
) -> bytes:
    """The park's meter registry as the caller lists it (``enterprise_ids``: only those enterprises');
    carriers and enterprises named in ``language`` (``"zh-CN"`` or ``"en"``)."""
    rows = [
        m
        for m in meters.list_meters(db, p, _ALL, park_id=park_id).data
        if enterprise_ids is None or m.enterprise_id in enterprise_ids
    ]
    names = {
        o.id: (o.name_en if language == "en" and o.name_en else o.name)
        for o in organisations.list_organisations(db, p, _ALL, park_id=park_id).data
    }
    return _workbook(
        "meters",
        ["编号 Code", "名称 Name", "能源品种 Carrier", "单位 Unit", "类型 Kind", "企业 Enterprise",
         "用途 Purpose", "倍率 Multiplier", "上级表 Parent", "启用 Active"],
        [[m.code, m.name, carrier_label(m.carrier, language), m.unit, m.kind.value,
          names.get(m.enterprise_id, "") if m.enterprise_id else "园区 park",
          m.purpose, m.multiplier, m.parent_id, "是 yes" if m.active else "否 no"]
         for m in rows],
    )  # fmt: skip


def meter_readings_workbook(
    db: Database, p: Principal, meter_id: int, *, start: datetime, end: datetime, timezone: str
) -> bytes:
    """A meter's stored readings in ``[start, end)`` (needs meter-data rights, as reading them does),
    with local and UTC timestamps, the interval consumption and the quality flags."""
    series = meter_readings(db, p, meter_id, start=start, end=end)
    tz = ZoneInfo(timezone)
    rows: list[list[Any]] = [
        [
            pt.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            pt.ts.isoformat(),
            pt.value,
            pt.delta,
            ", ".join(pt.flags),
        ]
        for pt in series.data
    ]
    if series.truncated:
        rows.append(
            [f"… truncated after {series.count} readings: choose a shorter range", "", None, None, ""]
        )
    return _workbook(
        "".join(c for c in series.code if c not in "[]:*?/\\")[:31] or "readings",
        [f"时间 Time ({timezone})", "UTC", f"示数 Value [{series.unit}]",
         f"区间用量 Consumption [{series.unit}]", "质量标记 Flags"],
        rows,
    )  # fmt: skip
