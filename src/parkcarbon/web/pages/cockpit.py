"""The park cockpit (园区驾驶舱): energy and carbon dual control at a glance, with drill-down park →
enterprise → meter, warnings with acknowledgement, auto-refresh and export of the view to XLSX.

The page is thin: every figure comes from :mod:`parkcarbon.services.supervision.monitoring` and
:mod:`parkcarbon.services.supervision.warnings` (which compute from rollups, never raw readings).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from parkcarbon.core import CARRIERS
from parkcarbon.services import access
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import PARK_SUPERVISION, Principal
from parkcarbon.services.registry import parks
from parkcarbon.services.supervision import monitoring, warnings
from parkcarbon.services.supervision.export import cockpit_workbook
from parkcarbon.services.supervision.monitoring_schemas import (
    Figures,
    PeriodDifference,
    WarningAck,
    WarningPublic,
    WarningSummary,
)
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import language, local_name, register_texts, t, te
from parkcarbon.web.layout import NavItem, frame, notify_error, register_nav

REFRESH_S = 60.0

register_texts(
    {
        "nav.cockpit": ("能耗双控驾驶舱", "Dual-control cockpit"),
        "ck.no_access": (
            "驾驶舱面向园区管理者与主管部门", "The cockpit is for the park operator and regulators"
        ),
        "ck.as_of": ("数据截至", "Figures as of"),
        "ck.updated": ("刷新于", "Refreshed at"),
        "ck.auto": ("每 60 秒自动刷新", "auto-refresh every 60 s"),
        "ck.export": ("导出当前视图 XLSX", "Export view (XLSX)"),
        "ck.refresh": ("刷新", "Refresh"),
        "ck.energy_ytd": ("年初至今综合能耗", "Energy, year to date"),
        "ck.carbon_ytd": ("年初至今碳排放", "Emissions, year to date"),
        "ck.energy_int": ("能耗强度", "Energy intensity"),
        "ck.carbon_int": ("碳排放强度", "Carbon intensity"),
        "ck.mtd": ("本月", "This month"),
        "ck.yoy": ("同比", "YoY"),
        "ck.mom": ("环比", "MoM"),
        "ck.target": ("目标", "Target"),
        "ck.no_target": ("未设目标", "no target"),
        "ck.projected": ("预计年末", "Projected"),
        "ck.progress": ("目标进度", "Progress"),
        "ck.completeness": ("数据完整率", "Completeness"),
        "ck.mix": ("能源消费结构（tce）", "Energy mix (tce)"),
        "ck.trend": ("月度能耗：今年、去年与目标路径", "Monthly energy: this year, last year, target path"),
        "ck.this_year": ("今年", "This year"),
        "ck.last_year": ("去年", "Last year"),
        "ck.cumulative": ("累计", "Cumulative"),
        "ck.target_path": ("目标路径（累计）", "Target path (cumulative)"),
        "ck.ranking": ("企业能耗排名", "Enterprise ranking"),
        "ck.heat": ("片区月度能耗热力图（tce）", "Area heat map, monthly energy (tce)"),
        "ck.power": ("园区实时负荷（近 24 小时，kW）", "Park load, last 24 h (kW)"),
        "ck.warnings": ("双控预警", "Dual-control warnings"),
        "ck.no_warnings": ("暂无预警", "No warnings"),
        "ck.ack": ("确认", "Acknowledge"),
        "ck.ack_note": ("确认说明（采取的措施）", "Note (what is being done)"),
        "ck.acked": ("已确认", "Acknowledged"),
        "ck.evaluate": ("立即评估预警", "Evaluate warnings now"),
        "ck.enterprise": ("企业", "Enterprise"),
        "ck.industry": ("行业", "Industry"),
        "ck.flags": ("标识", "Flags"),
        "ck.key_unit": ("重点用能单位", "Key energy user"),
        "ck.ets": ("纳入碳市场", "ETS emitter"),
        "ck.back": ("返回驾驶舱", "Back to cockpit"),
        "ck.meters": ("计量器具", "Meters"),
        "ck.meter": ("计量表", "Meter"),
        "ck.quantity_ytd": ("年初至今用量", "YTD quantity"),
        "ck.online": ("在线", "Online"),
        "ck.offline": ("离线", "Offline"),
        "ck.meter_daily": ("近 30 日日用量", "Daily consumption, last 30 days"),
        "ck.meter_hourly": ("近 24 小时逐时用量", "Hourly consumption, last 24 h"),
        "ck.no_meter_rights": (
            "该企业未向您授权计量数据", "The enterprise has not shared its meter data with you"
        ),
        "ck.basis_cutoff": (
            "同比、环比均比到同一时刻：{cutoff}", "YoY and MoM compare to the same moment: {cutoff}"
        ),
        "ck.basis_yoy_cover": (
            "同比覆盖 {n}/{total} 家企业（去年数据完整的企业）",
            "YoY covers {n} of {total} enterprises (those with a complete last year)",
        ),
        "ck.basis_yoy_none": ("去年数据不完整，不作同比", "last year incomplete: no YoY"),
        "ck.basis_projection": (
            "预计年末 = 截至目前 ÷ 去年同期占全年比例 {share}%（{method}）",
            "projection = to date ÷ share of the year used by now {share}% ({method})",
        ),
        "ck.basis_completeness": (
            "完整率只计电能/热量等累计表，按各表自身采集周期",
            "completeness counts energy registers only, each at its own interval",
        ),
        "ck.basis_mom_days": (
            "环比按日均比较（本月 {now} 天 / 上月 {before} 天）",
            "MoM compares per-day rates ({now} days this month / {before} days last month)",
        ),
        "ck.basis_mom_festival": (
            "环比受春节假期影响（本月或上月含春节）",
            "MoM affected by the Spring Festival holiday (this or last month holds it)",
        ),
        "ck.basis_festival": (
            "春节今年与去年不在同一月份：季节分布中 {months} 合并计算（同国家统计局 1–2 月合并发布）",
            "Spring Festival in another month than last year: {months} pooled in the seasonal profile "
            "(as NBS publishes January–February together)",
        ),
        "ck.diff_title": ("同比两期核算口径差异", "YoY: the two years' accounting bases differ"),
        "ck.diff_standard": (
            "核算标准 今年 {now} / 去年 {before}", "standard {now} this year / {before} last year"
        ),
        "ck.diff_tco2e": (
            "{carrier}排放因子 今年 {now} / 去年 {before} {unit}",
            "{carrier} emission factor {now} this year / {before} last year {unit}",
        ),
        "ck.diff_tce": (
            "{carrier}折标系数 今年 {now} / 去年 {before} {unit}",
            "{carrier} coal-equivalent coefficient {now} this year / {before} last year {unit}",
        ),
        "ck.basis_output": ("tce/万元产值", "tce per 10k CNY output"),
        "ck.basis_va": ("tce/万元增加值", "tce per 10k CNY value added"),
        "ck.open": ("未处理", "Open"),
        "ck.level": ("级别", "Level"),
        "ck.reason": ("原因", "Reason"),
        "ck.status": ("状态", "Status"),
        "ck.time": ("时间", "Time"),
        "ck.evaluated": ("预警评估完成", "Warnings evaluated"),
        "ck.no_notifications": ("没有未读通知", "No unread notifications"),
        "ck.mark_read": ("全部标为已读", "Mark all read"),
        "ck.warning_groups": ("按级别和类型", "By level and kind"),
    },
    enums={
        "red": ("红色", "Red"), "orange": ("橙色", "Orange"), "yellow": ("黄色", "Yellow"),
        "acknowledged": ("已确认", "Acknowledged"), "resolved": ("已解除", "Resolved"),
        "open": ("待处理", "Open"),
        "energy_total": ("能耗总量", "Energy total"), "carbon_total": ("碳排放总量", "Carbon total"),
        "intensity_rise": ("强度上升", "Intensity rise"), "data_gap": ("数据缺失", "Data gap"),
        "offline_meter": ("计量离线", "Meter offline"),
    },
)  # fmt: skip

register_nav(NavItem("end.park", "/cockpit", "nav.cockpit", "insights", frozenset(PARK_SUPERVISION)))

LEVEL_COLOR = {"red": "#d64545", "orange": "#f2994a", "yellow": "#e2b93b", "info": "#5b8def"}
PALETTE = ["#13795b", "#2f80ed", "#f2a541", "#9b51e0", "#eb5757", "#27ae60", "#56ccf2", "#828282"]


def _carrier(cid: str) -> str:
    """The carrier's display name (console texts, else the accounting engine's carrier table)."""
    label = te(cid)
    car = CARRIERS.get(cid)
    if label == cid and car is not None:
        return car.name_en if language() == "en" else car.name_zh
    return label


def _num(v: float | None, digits: int = 0) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.1f}%"


def _name(obj: Any) -> str:
    en = getattr(obj, "name_en", None)
    return str(en if language() == "en" and en else (obj.name or "—"))


def _is_supervisor(p: Principal, park_id: int) -> bool:
    return access.is_supervisor(p, park_id)


def _can_ack(p: Principal, park_id: int) -> bool:
    return access.can_ack_warnings(p, park_id)


def _kpi(
    label: str, value: str, unit: str, icon: str, *, mark: str, progress: float | None = None,
    sub: list[str] | None = None, color: str = "primary",
) -> None:  # fmt: skip
    with ui.card().classes("pc-card w-full").mark(mark):
        with ui.row().classes("items-center no-wrap w-full"):
            ui.icon(icon, size="30px", color=color)
            ui.label(label).classes("pc-kpi-label")
        with ui.row().classes("items-baseline gap-1"):
            ui.label(value).classes("pc-kpi-value").mark(f"{mark}-value")
            ui.label(unit).classes("text-grey-7")
        if progress is not None:
            bar_color = "negative" if progress > 100 else "warning" if progress > 90 else "positive"
            ui.linear_progress(value=min(progress, 100) / 100, show_value=False, size="8px", color=bar_color)
        for line in sub or []:
            ui.label(line).classes("text-caption text-grey-7")


def _period_differences(diffs: list[PeriodDifference]) -> None:
    """Beside the YoY: where this year's and last year's accounting basis differ (the profile's GB/T
    32150 edition per year, a carrier's coefficient of another year)."""
    if not diffs:
        return
    parts = []
    for d in diffs:
        if d.item == "standard":
            parts.append(t("ck.diff_standard").format(now=d.this_year, before=d.last_year))
        else:
            unit = f"{'tCO₂e' if d.item == 'tco2e_per_unit' else 'tce'}/{d.unit}"
            key = "ck.diff_tco2e" if d.item == "tco2e_per_unit" else "ck.diff_tce"
            parts.append(
                t(key).format(
                    carrier=_carrier(d.carrier or ""), now=f"{d.this_year:.6g}", before=f"{d.last_year:.6g}",
                    unit=unit,
                )
            )  # fmt: skip
    ui.label(f"{t('ck.diff_title')}: " + "；".join(parts) if language() != "en" else
             f"{t('ck.diff_title')}: " + "; ".join(parts)).classes("text-caption text-grey-8").mark(
        "period-differences"
    )  # fmt: skip


def _method(f: Figures) -> str:
    return t(f"mon.method.{f.projection_method}")


def _basis(f: Figures) -> list[str]:
    """The basis text beside the energy figures: the comparison moment, the YoY's coverage and the
    projection's share (issue 13 §2)."""
    out = []
    if f.comparison_cutoff is not None:
        out.append(t("ck.basis_cutoff").format(cutoff=f.comparison_cutoff.strftime("%Y-%m-%d %H:%M")))
    if f.yoy_subjects is not None:
        if f.yoy_subjects_covered:
            out.append(t("ck.basis_yoy_cover").format(n=f.yoy_subjects_covered, total=f.yoy_subjects))
        else:
            out.append(t("ck.basis_yoy_none"))
    elif f.yoy_comparable is False:
        out.append(t("ck.basis_yoy_none"))
    out.append(t("ck.basis_projection").format(share=_num(100 * f.expected_share, 1), method=_method(f)))
    if f.mom_days:
        out.append(t("ck.basis_mom_days").format(now=_num(f.mom_days[0], 1), before=_num(f.mom_days[1], 1)))
    if f.mom_holiday_affected:
        out.append(t("ck.basis_mom_festival"))
    if f.festival_pooled_months:
        out.append(t("ck.basis_festival").format(months=_month_span(f.festival_pooled_months)))
    return out


def _month_span(months: list[int]) -> str:
    a, b = min(months), max(months)
    return f"{a}–{b} 月" if language() != "en" else f"M{a}–M{b}"


def _kpis(f: Figures, basis: str, open_warnings: int) -> None:
    int_unit = t("ck.basis_output") if basis == "output_value" else t("ck.basis_va")
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 xl:grid-cols-5 gap-4"):
        _kpi(
            t("ck.energy_ytd"), _num(f.ytd_tce), "tce", "bolt", mark="kpi-energy",
            progress=f.energy_progress_pct,
            sub=[
                f"{t('ck.target')}: {_num(f.target_energy_tce)} tce · {t('ck.progress')} "
                f"{_num(f.energy_progress_pct, 1)}%" if f.target_energy_tce else t("ck.no_target"),
                f"{t('ck.projected')}: {_num(f.projected_tce)} tce ({_method(f)})",
                f"{t('ck.mtd')} {_num(f.mtd_tce)} · {t('ck.yoy')} {_pct(f.yoy_tce_pct)} · "
                f"{t('ck.mom')} {_pct(f.mom_tce_pct)}",
                *_basis(f),
            ],
        )  # fmt: skip
        _kpi(
            t("ck.carbon_ytd"), _num(f.ytd_tco2e), "tCO₂e", "co2", mark="kpi-carbon",
            progress=f.carbon_progress_pct, color="secondary",
            sub=[
                f"{t('ck.target')}: {_num(f.target_carbon_tco2e)} tCO₂e · {t('ck.progress')} "
                f"{_num(f.carbon_progress_pct, 1)}%" if f.target_carbon_tco2e else t("ck.no_target"),
                f"{t('ck.projected')}: {_num(f.projected_tco2e)} tCO₂e",
                f"{t('ck.mtd')} {_num(f.mtd_tco2e)} · {t('ck.yoy')} {_pct(f.yoy_tco2e_pct)}",
            ],
        )  # fmt: skip
        _kpi(
            t("ck.energy_int"), _num(f.energy_intensity, 4), int_unit, "speed", mark="kpi-energy-intensity",
            progress=(100 * f.energy_intensity / f.target_energy_intensity)
            if f.energy_intensity and f.target_energy_intensity else None,
            sub=[f"{t('ck.target')}: {_num(f.target_energy_intensity, 4)}",
                 f"{t('ck.last_year')}: {_num(f.last_year_energy_intensity, 4)}"],
        )  # fmt: skip
        _kpi(
            t("ck.carbon_int"), _num(f.carbon_intensity, 4), int_unit.replace("tce", "tCO₂e"), "eco",
            mark="kpi-carbon-intensity",
            progress=(100 * f.carbon_intensity / f.target_carbon_intensity)
            if f.carbon_intensity and f.target_carbon_intensity else None,
            sub=[f"{t('ck.target')}: {_num(f.target_carbon_intensity, 4)}",
                 f"{t('ck.completeness')}: {_num(f.completeness_pct, 1)}%", t("ck.basis_completeness")],
        )  # fmt: skip
        _kpi(
            t("ck.warnings"), str(open_warnings), t("ck.open"), "notification_important", mark="kpi-warnings",
            color="negative" if open_warnings else "positive",
        )  # fmt: skip


def _mix_chart(carriers: list[Any]) -> None:
    data = [{"name": _carrier(c.carrier), "value": round(c.ytd_tce, 1)} for c in carriers if c.ytd_tce > 0]
    ui.echart(
        {
            "color": PALETTE,
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} tce ({d}%)"},
            "legend": {"orient": "vertical", "right": 0, "top": "middle"},
            "series": [
                {
                    "type": "pie",
                    "radius": ["38%", "68%"],
                    "center": ["40%", "50%"],
                    "avoidLabelOverlap": True,
                    "minShowLabelAngle": 12,
                    "data": data,
                    "label": {"position": "inside", "formatter": "{d}%", "fontSize": 10, "color": "#fff"},
                },
            ],
        }
    ).classes("w-full h-72").mark("chart-mix")


def _trend_chart(months: list[Any], mark: str = "chart-trend") -> None:
    labels = [f"{m.month}月" if language() != "en" else f"M{m.month}" for m in months]
    ui.echart(
        {
            "color": ["#13795b", "#b7c9c0", "#2f80ed", "#d64545"],
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "grid": {"left": 60, "right": 60, "top": 30, "bottom": 60},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": [{"type": "value", "name": "tce"}, {"type": "value", "name": t("ck.cumulative")}],
            "series": [
                {"name": t("ck.this_year"), "type": "bar", "data": [_r(m.tce) for m in months]},
                {"name": t("ck.last_year"), "type": "bar", "data": [_r(m.last_year_tce) for m in months]},
                {
                    "name": t("ck.cumulative"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "smooth": True,
                    "data": [_r(m.cumulative_tce) for m in months],
                },
                {
                    "name": t("ck.target_path"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "lineStyle": {"type": "dashed"},
                    "data": [_r(m.target_path_tce) for m in months],
                },
            ],
        }
    ).classes("w-full h-80").mark(mark)


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _ranking_chart(enterprises: list[Any]) -> None:
    top = list(reversed(enterprises[:15]))
    ui.echart(
        {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "grid": {"left": 170, "right": 30, "top": 10, "bottom": 30},
            "xAxis": {"type": "value", "name": "tce"},
            "yAxis": {
                "type": "category",
                "data": [_name(e)[: 24 if language() == "en" else 14] for e in top],
            },
            "series": [
                {
                    "type": "bar",
                    "data": [
                        {
                            "value": round(e.ytd_tce, 1),
                            "itemStyle": {
                                "color": "#d64545" if (e.energy_progress_pct or 0) > 100 else "#13795b"
                            },
                        }
                        for e in top
                    ],
                }
            ],
        }
    ).classes("w-full h-96").mark("chart-ranking")


#: width of the heat map's area names [px]: longer names are cut with "…" (the tooltip has them whole)
HEAT_LABEL_PX = 130


def heat_options(names: list[str], monthly: list[list[float | None]], month: int, en: bool) -> dict[str, Any]:
    """ECharts options of the area heat map: every month labelled (no skipped "M2, M4"), area names cut to
    :data:`HEAT_LABEL_PX` instead of running off the card, cell values in whole tce, the legend below
    the axis labels, not over them."""
    data, vmax = [], 0.0
    for y, values in enumerate(monthly):
        for x in range(month):
            v = values[x] or 0.0
            vmax = max(vmax, v)
            data.append([x, y, round(v)])
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": HEAT_LABEL_PX + 12, "right": 16, "top": 10, "bottom": 80},
        "xAxis": {
            "type": "category",
            "data": [f"M{i + 1}" if en else f"{i + 1}月" for i in range(month)],
            "axisLabel": {"interval": 0, "fontSize": 10},
            "splitArea": {"show": True},
        },
        "yAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"width": HEAT_LABEL_PX, "overflow": "truncate", "fontSize": 11},
            "splitArea": {"show": True},
        },
        "visualMap": {
            "min": 0,
            "max": round(vmax or 1, 1),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "itemHeight": 160,
            "text": ["tce", ""],
            "inRange": {"color": ["#e8f5ee", "#7cc5a1", "#13795b", "#f2a541", "#d64545"]},
        },
        "series": [
            {
                "type": "heatmap",
                "data": data,
                "label": {"show": True, "fontSize": 9},
            }
        ],
    }


def _heat_chart(areas: list[Any], month: int) -> None:
    names = [_name(a) if a.area_id is not None else t("none") for a in areas]
    ui.echart(heat_options(names, [a.monthly_tce for a in areas], month, language() == "en")).classes(
        "w-full h-80"
    ).mark("chart-heat")


def _power_chart(points: list[Any]) -> None:
    ui.echart(
        {
            "color": ["#2f80ed"],
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 70, "right": 20, "top": 20, "bottom": 40},
            "xAxis": {"type": "category", "data": [p.label[-5:] for p in points], "boundaryGap": False},
            "yAxis": {"type": "value", "name": "kW"},
            "series": [
                {
                    "type": "line",
                    "smooth": True,
                    "areaStyle": {"opacity": 0.25},
                    "showSymbol": False,
                    "data": [round(p.kwh, 1) for p in points],
                }
            ],
        }
    ).classes("w-full h-64").mark("chart-power")


WARNINGS_PER_PAGE = 10


def _warning_groups(summary: WarningSummary) -> None:
    """Chips with the count of each (level, kind, status) group, from the grouped count query."""
    if not summary.groups:
        return
    ui.label(t("ck.warning_groups")).classes("text-caption text-grey-7")
    with ui.row().classes("q-gutter-xs").mark("warning-groups"):
        for g in summary.groups:
            ui.chip(f"{te(g.level)} · {te(g.rule)} · {te(g.status)}: {g.count}", color=None).props(
                "dense outline"
            ).style(f"color: {LEVEL_COLOR.get(g.level, '#888')}").mark(
                f"warning-group-{g.level}-{g.rule}-{g.status}"
            )


def _warnings_list(
    items: list[WarningPublic], p: Principal, park_id: int, on_change: Callable[[], None]
) -> None:
    if not items:
        ui.label(t("ck.no_warnings")).classes("text-grey-7").mark("warnings-empty")
        return
    can_ack = _can_ack(p, park_id)
    pages = max(1, -(-len(items) // WARNINGS_PER_PAGE))
    holder = ui.column().classes("w-full")

    def show(page: int) -> None:
        holder.clear()
        with holder:
            _warning_items(
                items[(page - 1) * WARNINGS_PER_PAGE : page * WARNINGS_PER_PAGE],
                p,
                park_id,
                can_ack,
                on_change,
            )

    show(1)
    if pages > 1:
        ui.pagination(1, pages, direction_links=True, on_change=lambda e: show(int(e.value))).props(
            "max-pages=7 boundary-numbers"
        ).mark("warnings-pagination")


def _warning_items(
    items: list[WarningPublic], p: Principal, park_id: int, can_ack: bool, on_change: Callable[[], None]
) -> None:
    with ui.list().props("separator").classes("w-full").mark("warnings-list"):
        for w in items:
            with ui.item().classes("q-py-sm"):
                with ui.item_section().props("avatar"):
                    ui.icon("warning", color=None).style(f"color: {LEVEL_COLOR.get(w.level, '#888')}")
                with ui.item_section():
                    ui.item_label(w.reason_en if language() == "en" else w.reason_zh).classes("text-body2")
                    caption = f"{te(w.level)} · {te(w.status)} · {w.last_raised_at:%Y-%m-%d %H:%M}"
                    if w.ack_note:
                        caption += f" · {t('ck.acked')}: {w.ack_note}"
                    ui.item_label(caption).props("caption")
                if can_ack and w.status == "open":
                    with ui.item_section().props("side"):
                        ui.button(
                            t("ck.ack"), on_click=lambda _, w=w: _ack_dialog(p, park_id, w, on_change)
                        ).props("outline dense size=sm color=primary").mark(f"ack-{w.id}")


def _ack_dialog(p: Principal, park_id: int, w: WarningPublic, on_change: Callable[[], None]) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-[32rem]").mark("ack-dialog"):
        ui.label(t("ck.ack")).classes("text-h6")
        ui.label(w.reason_en if language() == "en" else w.reason_zh).classes("text-body2 text-grey-8")
        note = ui.textarea(t("ck.ack_note")).classes("w-full").mark("ack-note")

        def submit() -> None:
            if not (note.value or "").strip():
                return
            try:
                warnings.acknowledge_warning(
                    web_session.runtime().db, p, park_id, w.id, WarningAck(note=note.value.strip())
                )
            except ServiceError as exc:
                notify_error(exc)
                return
            dialog.close()
            ui.notify(t("ck.acked"), type="positive")
            on_change()

        with ui.row().classes("w-full justify-end"):
            ui.button(t("cancel"), on_click=dialog.close).props("flat")
            ui.button(t("ck.ack"), on_click=submit).props("color=primary").mark("ack-submit")
    dialog.open()


def _enterprise_table(enterprises: list[Any]) -> None:
    columns: list[dict[str, Any]] = [
        {"name": "name", "label": t("ck.enterprise"), "field": "name", "align": "left", "sortable": True},
        {"name": "industry", "label": t("ck.industry"), "field": "industry", "align": "left"},
        {"name": "tce", "label": "tce", "field": "tce", "sortable": True},
        {"name": "tco2e", "label": "tCO₂e", "field": "tco2e", "sortable": True},
        {"name": "yoy", "label": t("ck.yoy"), "field": "yoy"},
        {"name": "intensity", "label": t("ck.energy_int"), "field": "intensity"},
        {"name": "progress", "label": t("ck.progress"), "field": "progress", "sortable": True},
        {"name": "completeness", "label": t("ck.completeness"), "field": "completeness"},
        {"name": "flags", "label": t("ck.flags"), "field": "flags", "align": "left"},
    ]
    rows = [
        {
            "id": e.enterprise_id,
            "name": _name(e),
            "industry": e.industry_code or "—",
            "tce": round(e.ytd_tce, 1),
            "tco2e": round(e.ytd_tco2e, 1),
            "yoy": _pct(e.yoy_tce_pct),
            "intensity": _num(e.energy_intensity, 4),
            "progress": round(e.energy_progress_pct, 1) if e.energy_progress_pct is not None else None,
            "completeness": f"{_num(e.completeness_pct, 1)}%",
            "flags": " ".join(
                x for x, on in ((t("ck.key_unit"), e.key_energy_unit), (t("ck.ets"), e.ets_emitter)) if on
            ),
        }
        for e in enterprises
    ]
    with ui.element("div").classes("w-full overflow-auto"):  # a narrow window scrolls the table, not the card
        table = (
            ui.table(columns=columns, rows=rows, row_key="id", pagination=10)
            .classes("w-full")
            .mark("enterprise-table")
        )
    table.add_slot(
        "body-cell-name",
        """<q-td :props="props"><a :href="'/cockpit/enterprise/' + props.row.id"
             class="text-primary text-weight-medium" style="text-decoration:none">{{ props.value }}</a>
           </q-td>""",
    )
    table.props("flat dense")


@ui.page("/cockpit")
def cockpit_page() -> None:
    with frame("nav.cockpit") as current:
        if current is None:
            return
        p, park_id = current.principal, current.park_id
        if park_id is None or not _is_supervisor(p, park_id):
            ui.label(t("ck.no_access")).mark("cockpit-denied")
            return
        db = web_session.runtime().db
        state: dict[str, Any] = {}
        park_tz = ZoneInfo(parks.get_park(db, p, park_id).timezone)  # the refresh time is the park's

        def export() -> None:
            if "m" not in state:
                return
            park = parks.get_park(db, p, park_id)
            data = cockpit_workbook(
                state["m"], state["w"], park_name=local_name(park.name, park.name_en), language=language()
            )
            ui.download.content(data, f"cockpit-{park.code}-{state['m'].as_of.isoformat()}.xlsx")

        async def evaluate() -> None:
            try:  # the webhook may be slow: off the event loop
                result = await run.io_bound(warnings.evaluate_warnings, db, p, park_id)
            except ServiceError as exc:
                notify_error(exc)
                return
            if result is None:  # the app is shutting down
                return
            ui.notify(
                f"{t('ck.evaluated')}: +{result.raised} · ↑{result.reraised} · ✓{result.resolved}",
                type="info",
            )
            body.refresh()
            bell.refresh()

        @ui.refreshable
        def bell() -> None:
            if not p.is_user:
                return
            try:
                page = warnings.list_notifications(
                    db, p, park_id, PageParams(limit=10, offset=0), unread=True
                )
            except ServiceError:
                return

            def read_all() -> None:
                warnings.mark_notifications_read(db, p, park_id)
                bell.refresh()

            with ui.button(icon="notifications").props("flat round").mark("cockpit-bell"):
                if page.count:
                    ui.badge(str(page.count), color="negative").props("floating")
                with ui.menu().classes("w-[28rem]"):
                    if not page.data:
                        ui.menu_item(t("ck.no_notifications")).props("disable")
                    for n in page.data:
                        ui.menu_item(n.title_en if language() == "en" else n.title_zh).classes("text-body2")
                    if page.data:
                        ui.separator()
                        ui.menu_item(t("ck.mark_read"), on_click=read_all).mark("cockpit-mark-read")

        with ui.row().classes("w-full items-center justify-between"):
            with ui.row().classes("items-center q-gutter-sm"):
                this_year = datetime.now(UTC).year
                ui.select(
                    {y: str(y) for y in range(this_year, this_year - 4, -1)}, value=this_year,
                    on_change=lambda e: (state.update(year=e.value), body.refresh()),
                ).props("dense outlined options-dense").classes("w-28").mark("cockpit-year")  # fmt: skip
                stamp = ui.label().classes("text-grey-7").mark("cockpit-stamp")
            with ui.row().classes("q-gutter-sm items-center"):
                bell()
                if _can_ack(p, park_id):
                    ui.button(t("ck.evaluate"), icon="rule", on_click=evaluate).props("outline").mark(
                        "cockpit-evaluate"
                    )
                ui.button(t("ck.refresh"), icon="refresh", on_click=lambda: body.refresh()).props("outline")
                ui.button(t("ck.export"), icon="download", on_click=export).props("color=primary").mark(
                    "cockpit-export"
                )

        @ui.refreshable
        def body() -> None:
            try:
                m = monitoring.park_monitoring(db, p, park_id, year=state.get("year"))
                summary = warnings.warning_summary(db, p, park_id)
                w = warnings.list_warnings(db, p, park_id, PageParams(limit=200, offset=0)).data
                curve = monitoring.power_curve(db, p, park_id)
            except ServiceError as exc:
                notify_error(exc)
                return
            state.update(m=m, w=w)
            stamp.text = (
                f"{t('ck.as_of')} {m.as_of.isoformat()} · {t('ck.updated')} "
                f"{datetime.now(UTC).astimezone(park_tz):%H:%M:%S}"
                f"{t('ck.timezone_note').format(tz=park_tz.key)} · {t('ck.auto')}"
            )
            _kpis(m.park, m.intensity_basis, summary.open_count)
            _period_differences(m.period_differences)
            with ui.row().classes("w-full q-gutter-md no-wrap-md"):
                with ui.card().classes("pc-card col-4"):
                    ui.label(t("ck.mix")).classes("text-subtitle1 text-weight-medium")
                    _mix_chart(m.carriers)
                with ui.card().classes("pc-card col"):
                    ui.label(t("ck.trend")).classes("text-subtitle1 text-weight-medium")
                    _trend_chart(m.months)
            with ui.row().classes("w-full q-gutter-md no-wrap-md"):
                with ui.card().classes("pc-card col"):
                    ui.label(t("ck.ranking")).classes("text-subtitle1 text-weight-medium")
                    _ranking_chart(m.enterprises)
                with ui.card().classes("pc-card col"):
                    ui.label(t("ck.heat")).classes("text-subtitle1 text-weight-medium")
                    _heat_chart([a for a in m.areas if a.ytd_tce or a.area_id is not None], m.month)
            with ui.row().classes("w-full q-gutter-md no-wrap-md"):
                with ui.card().classes("pc-card col"):
                    ui.label(t("ck.power")).classes("text-subtitle1 text-weight-medium")
                    _power_chart(curve.points)
                with ui.card().classes("pc-card col"):
                    ui.label(t("ck.warnings")).classes("text-subtitle1 text-weight-medium")
                    _warning_groups(summary)
                    _warnings_list(w, p, park_id, body.refresh)
            with ui.card().classes("pc-card w-full"):
                ui.label(t("ck.ranking")).classes("text-subtitle1 text-weight-medium")
                _enterprise_table(m.enterprises)

        body()
        ui.timer(REFRESH_S, body.refresh)


@ui.page("/cockpit/enterprise/{enterprise_id}")
def cockpit_enterprise_page(enterprise_id: int) -> None:
    with frame("nav.cockpit") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            em = monitoring.enterprise_monitoring(db, p, enterprise_id)
        except ServiceError as exc:
            notify_error(exc)
            ui.label(exc.detail).mark("cockpit-denied")
            return
        e = em.enterprise
        ui.button(t("ck.back"), icon="arrow_back", on_click=lambda: ui.navigate.to("/cockpit")).props("flat")
        with ui.row().classes("items-center q-gutter-sm"):
            ui.label(_name(e)).classes("text-h6").mark("enterprise-name")
            ui.label(f"GB/T 4754: {e.industry_code or '—'}").classes("text-grey-7")
            if e.key_energy_unit:
                ui.badge(t("ck.key_unit"), color="orange")
            if e.ets_emitter:
                ui.badge(t("ck.ets"), color="red")
        _kpis(e, em.intensity_basis, 0)
        with ui.row().classes("w-full q-gutter-md no-wrap-md"):
            with ui.card().classes("pc-card col-4"):
                ui.label(t("ck.mix")).classes("text-subtitle1 text-weight-medium")
                _mix_chart(em.carriers)
            with ui.card().classes("pc-card col"):
                ui.label(t("ck.trend")).classes("text-subtitle1 text-weight-medium")
                _trend_chart(em.months, mark="chart-enterprise-trend")
        with ui.card().classes("pc-card w-full"):
            ui.label(t("ck.meters")).classes("text-subtitle1 text-weight-medium")
            if em.meters is None:
                ui.label(t("ck.no_meter_rights")).classes("text-grey-7").mark("no-meter-rights")
                return
            columns: list[dict[str, Any]] = [
                {"name": "code", "label": t("ck.meter"), "field": "code", "align": "left"},
                {"name": "name", "label": "", "field": "name", "align": "left"},
                {"name": "carrier", "label": "", "field": "carrier", "align": "left"},
                {"name": "qty", "label": t("ck.quantity_ytd"), "field": "qty"},
                {"name": "tce", "label": "tce", "field": "tce"},
                {"name": "completeness", "label": t("ck.completeness"), "field": "completeness"},
                {"name": "online", "label": t("ck.online"), "field": "online"},
            ]
            rows = [
                {
                    "id": mf.meter_id,
                    "code": ("↳ " if mf.parent_id else "") + (mf.code or ""),
                    "name": mf.name,
                    "carrier": _carrier(mf.carrier),
                    "qty": f"{mf.ytd_quantity:,.1f} {mf.unit or ''}",
                    "tce": _num(mf.ytd_tce, 1),
                    "completeness": f"{_num(mf.completeness_pct, 1)}%",
                    "online": t("ck.online") if mf.online else t("ck.offline"),
                }
                for mf in em.meters
            ]
            table = ui.table(columns=columns, rows=rows, row_key="id", pagination=15).classes("w-full")
            table.props("flat dense").mark("meter-table")
            table.add_slot(
                "body-cell-code",
                """<q-td :props="props"><a :href="'/meters/' + props.row.id + '?back=cockpit'"
                     class="text-primary" style="text-decoration:none">{{ props.value }}</a></q-td>""",
            )


@ui.page("/cockpit/meter/{meter_id}")
def cockpit_meter_page(meter_id: int) -> RedirectResponse:
    """The cockpit's old meter drill-down: the meter page is ``/meters/{id}`` (its date range, readings,
    export and the access rules of its services); old links land there, "back" leading to the cockpit."""
    return RedirectResponse(f"/meters/{meter_id}?back=cockpit", status_code=308)
