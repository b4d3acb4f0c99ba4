"""The cockpit's current view as an XLSX workbook (驾驶舱导出): KPIs, months, carriers, enterprises, areas,
industries and warnings — the same figures the cockpit shows, with the notes on how they were formed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from parkcarbon import sheets
from parkcarbon.core.carriers import carrier_label
from parkcarbon.services.supervision.monitoring_schemas import ParkMonitoring, WarningPublic

__all__ = ["cockpit_workbook"]

_HEAD_FILL = PatternFill("solid", fgColor="13795B")
_HEAD_FONT = Font(bold=True, color="FFFFFF")


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    ws = wb.create_sheet(title)
    sheets.append_row(ws, list(header))
    for cell in ws[1]:
        cell.fill, cell.font = _HEAD_FILL, _HEAD_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheets.append_row(ws, [_cell(v) for v in row])
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(str(name)) + 4))
    ws.freeze_panes = "A2"


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, bool):
        return "是 yes" if v else ""
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return v


def cockpit_workbook(
    m: ParkMonitoring, warnings: Sequence[WarningPublic], *, park_name: str, language: str = "zh-CN"
) -> bytes:
    """The workbook of monitoring figures ``m`` and ``warnings`` (bytes of an .xlsx file); carriers,
    enterprises and areas are named in ``language`` (``"zh-CN"`` or ``"en"``; headers are bilingual)."""
    en = language == "en"

    def named(obj: Any) -> str:
        return str((getattr(obj, "name_en", None) if en else None) or obj.name or "—")

    wb = sheets.new_workbook()
    ws = wb.create_sheet("总览 Overview")
    p = m.park
    basis = "单位产值 output value" if m.intensity_basis == "output_value" else "单位增加值 value added"
    overview: list[tuple[str, Any]] = [
        ("园区 Park", park_name),
        ("截至 As of", m.as_of.isoformat()),
        ("强度口径 Intensity basis", basis),
        ("年初至今能耗 YTD energy [tce]", p.ytd_tce),
        ("能耗目标 Energy target [tce]", p.target_energy_tce),
        ("目标进度 Progress [%]", p.energy_progress_pct),
        ("预计年末能耗 Projected [tce]", p.projected_tce),
        ("预测方法 Projection", p.projection_method),
        ("年初至今碳排放 YTD emissions [tCO2e]", p.ytd_tco2e),
        ("碳排放目标 Carbon target [tCO2e]", p.target_carbon_tco2e),
        ("目标进度 Progress [%]", p.carbon_progress_pct),
        ("能耗强度 Energy intensity [tce/万元]", p.energy_intensity),
        ("碳排放强度 Carbon intensity [tCO2e/万元]", p.carbon_intensity),
        ("本月能耗 MTD energy [tce]", p.mtd_tce),
        ("同比 YoY [%]", p.yoy_tce_pct),
        ("环比 MoM [%]", p.mom_tce_pct),
        ("数据完整率 Completeness [%]", p.completeness_pct),
    ]
    sheets.append_row(ws, ["指标 Figure", "数值 Value"])
    for cell in ws[1]:
        cell.fill, cell.font = _HEAD_FILL, _HEAD_FONT
    for k, v in overview:
        sheets.append_row(ws, [k, _cell(v)])
    sheets.append_row(ws, [])
    for note in m.notes:
        sheets.append_row(ws, ["说明 Note", note])
    for t in m.thresholds:
        sheets.append_row(
            ws,
            ["阈值 Threshold", f"{t.key}: {t.value:,.0f} {t.unit} — {t.document} {t.clause} ({t.edition})"],
        )
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 90
    _sheet(
        wb, "月度 Months",
        ["月 month", "能耗 tce", "上年 last year tce", "累计 cumulative tce", "目标路径 target path tce",
         "碳排放 tCO2e", "上年 last year tCO2e", "累计 cumulative tCO2e", "目标路径 target path tCO2e"],
        [[x.month, x.tce, x.last_year_tce, x.cumulative_tce, x.target_path_tce, x.tco2e, x.last_year_tco2e,
          x.cumulative_tco2e, x.target_path_tco2e] for x in m.months],
    )  # fmt: skip
    _sheet(
        wb, "能源结构 Carriers",
        ["品种 carrier", "单位 unit", "年初至今实物量 YTD quantity", "本月实物量 MTD quantity", "tce",
         "tCO2e",
         "占比 share [%]"],
        [[carrier_label(c.carrier, language), c.unit, c.ytd_quantity, c.mtd_quantity, c.ytd_tce,
          c.ytd_tco2e, c.share_tce_pct]
         for c in m.carriers],
    )  # fmt: skip
    _sheet(
        wb, "企业 Enterprises",
        ["企业 enterprise", "行业 GB/T 4754", "年初至今能耗 YTD tce", "碳排放 YTD tCO2e", "本月 MTD tce",
         "同比 YoY %", "环比 MoM %", "能耗强度 tce/万元", "碳强度 tCO2e/万元", "能耗目标 target tce",
         "进度 progress %", "预计年末 projected tce", "重点用能单位 key unit", "纳入碳市场 ETS",
         "完整率 completeness %", "离线表 offline meters"],
        [[named(e), e.industry_code, e.ytd_tce, e.ytd_tco2e, e.mtd_tce, e.yoy_tce_pct, e.mom_tce_pct,
          e.energy_intensity, e.carbon_intensity, e.target_energy_tce, e.energy_progress_pct, e.projected_tce,
          e.key_energy_unit, e.ets_emitter, e.completeness_pct, e.offline_meters] for e in m.enterprises],
    )  # fmt: skip
    _sheet(
        wb, "片区 Areas",
        ["片区 area", "年初至今能耗 YTD tce", "碳排放 YTD tCO2e", "本月 MTD tce", "同比 YoY %",
         "完整率 completeness %", *[f"{i}月 tce" for i in range(1, 13)]],
        [[named(a), a.ytd_tce, a.ytd_tco2e, a.mtd_tce, a.yoy_tce_pct, a.completeness_pct, *a.monthly_tce]
         for a in m.areas],
    )  # fmt: skip
    _sheet(
        wb, "行业 Industries",
        ["行业大类 division", "名称 name", "企业数 enterprises", "年初至今能耗 YTD tce", "碳排放 YTD tCO2e",
         "能耗强度 tce/万元", "同比 YoY %"],
        [[i.industry_division, i.name, i.enterprises, i.ytd_tce, i.ytd_tco2e, i.energy_intensity,
          i.yoy_tce_pct]
         for i in m.industries],
    )  # fmt: skip
    _sheet(
        wb, "预警 Warnings",
        ["级别 level", "状态 status", "规则 rule", "企业 enterprise id", "原因 reason", "reason (en)",
         "数值 value",
         "首次 first raised", "最近 last raised", "确认说明 acknowledgement"],
        [[w.level, w.status, w.rule, w.enterprise_id, w.reason_zh, w.reason_en, w.value,
          w.first_raised_at.isoformat(), w.last_raised_at.isoformat(), w.ack_note] for w in warnings],
    )  # fmt: skip
    return sheets.workbook_bytes(wb)
