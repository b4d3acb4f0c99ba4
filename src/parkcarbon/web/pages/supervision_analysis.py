"""Benchmarking (能耗对标) and energy-saving diagnosis (节能诊断) pages.

``/benchmarking``: unit-product energy of every product with output, its national quota grade, rank and
quartile among park peers, and a quartile chart per peer group (park end; an enterprise's members see
their own rows in the enterprise end). ``/diagnosis``: findings per enterprise with their evidence,
annual savings (kWh, tce, CNY, tCO2e) and the service kind that addresses them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from parkcarbon.services.errors import ServiceError
from parkcarbon.services.supervision import benchmarking, diagnosis
from parkcarbon.services.supervision.analysis_schemas import BenchmarkReport, DiagnosisReport
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import language, local_name, register_texts, t
from parkcarbon.web.layout import ENTERPRISE, PARK_STAFF, NavItem, frame, notify_error, register_nav
from parkcarbon.web.widgets import kpi_card

register_texts(
    {
        "nav.benchmarking": ("能耗对标", "Energy benchmarking"),
        "nav.diagnosis": ("节能诊断", "Energy-saving diagnosis"),
        "bm.year": ("年份", "Year"),
        "bm.enterprise": ("企业", "Enterprise"),
        "bm.product": ("产品", "Product"),
        "bm.output": ("产量", "Output"),
        "bm.unit_energy": ("单位产品综合能耗", "Unit-product energy"),
        "bm.quota": ("限额标准", "Quota standard"),
        "bm.grade": ("能耗等级", "Grade"),
        "bm.rank": ("园区排名", "Park rank"),
        "bm.quartile": ("四分位", "Quartile"),
        "bm.group": ("对标组", "Peer group"),
        "bm.beyond": ("超限额", "Beyond limit"),
        "bm.no_quota": ("未指定限额", "No quota assigned"),
        "bm.chart": ("同类企业单位产品能耗四分位分布", "Quartiles of unit-product energy by peer group"),
        "bm.none": ("本年度尚无产品产量数据", "No product output recorded for the year"),
        "bm.products": ("对标产品数", "Products benchmarked"),
        "bm.beyond_count": ("超限额产品", "Beyond the limit"),
        "dg.days": ("诊断时段（天）", "Window (days)"),
        "dg.enterprises": ("诊断企业数", "Enterprises diagnosed"),
        "dg.findings": ("发现问题", "Findings"),
        "dg.saving_kwh": ("年节电潜力 (kWh)", "Annual saving (kWh)"),
        "dg.saving_tce": ("年节能 (tce)", "Annual saving (tce)"),
        "dg.saving_cny": ("年节约电费 (元)", "Annual saving (CNY)"),
        "dg.saving_tco2e": ("年减排 (tCO2e)", "Annual reduction (tCO2e)"),
        "dg.evidence": ("依据数据", "Evidence"),
        "dg.service": ("建议服务", "Suggested service"),
        "dg.no_findings": ("未发现问题", "No findings"),
        "dg.basis": ("测算方法", "Basis"),
        "dg.tariff": ("分时电价依据", "TOU tariff"),
    }
)  # fmt: skip
for _end, _roles in (("end.park", PARK_STAFF), ("end.enterprise", ENTERPRISE)):
    register_nav(NavItem(_end, "/benchmarking", "nav.benchmarking", "leaderboard", frozenset(_roles)))
    register_nav(NavItem(_end, "/diagnosis", "nav.diagnosis", "troubleshoot", frozenset(_roles)))


def _num(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _grade_text(row: Any) -> str:
    if row.quota is None:
        return t("bm.no_quota")
    if row.quota.grade is None:
        return t("bm.beyond") if row.quota.exceeds_limit else "—"
    return f"{row.quota.grade} 级" if language() == "zh-CN" else f"Grade {row.quota.grade}"


def _benchmark_view(report: BenchmarkReport) -> None:
    rows = report.rows
    with ui.row().classes("w-full q-gutter-md"):
        kpi_card(t("bm.products"), str(len(rows)), "inventory_2", mark="bm-kpi-products")
        beyond = sum(1 for r in rows if r.quota is not None and r.quota.exceeds_limit)
        kpi_card(t("bm.beyond_count"), str(beyond), "warning", mark="bm-kpi-beyond")
    if not rows:
        ui.label(t("bm.none")).mark("bm-empty")
        return
    cols = [
        {"name": k, "label": t(lbl), "field": k, "sortable": True, "align": "left"}
        for k, lbl in (
            ("enterprise", "bm.enterprise"), ("product", "bm.product"), ("output", "bm.output"),
            ("unit_energy", "bm.unit_energy"), ("quota", "bm.quota"), ("grade", "bm.grade"),
            ("rank", "bm.rank"), ("quartile", "bm.quartile"), ("group", "bm.group"),
        )
    ]  # fmt: skip
    data = [
        {
            "id": r.product_id,
            "enterprise": local_name(r.enterprise_name, r.enterprise_name_en),
            "product": r.product_name,
            "output": f"{_num(r.output)} {r.unit}",
            "unit_energy": f"{_num(r.unit_energy_kgce, 2)} kgce/{r.unit}",
            "quota": "" if r.quota is None else f"{r.quota.standard} ({r.quota.confidence})",
            "grade": _grade_text(r),
            "rank": "—" if r.rank is None else f"{r.rank} / {r.peers}",
            "quartile": "—" if r.quartile is None else f"Q{r.quartile}",
            "group": r.group,
        }
        for r in rows
    ]
    with ui.card().classes("pc-card w-full"):
        ui.table(columns=cols, rows=data, row_key="id", pagination=25).classes("w-full").mark("bm-table")
    groups = report.groups
    if groups:
        names = [g.group for g in groups]
        points = [
            [
                names.index(r.group),
                round(r.unit_energy_kgce, 3),
                local_name(r.enterprise_name, r.enterprise_name_en),
            ]
            for r in rows
            if r.unit_energy_kgce is not None and r.group in names
        ]
        with ui.card().classes("pc-card w-full"):
            ui.label(t("bm.chart")).classes("text-lg font-medium")
            ui.echart(
                {
                    "tooltip": {"trigger": "item"},
                    "grid": {"left": 80, "right": 30, "bottom": 60},
                    "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 20}},
                    "yAxis": {"type": "value", "name": "kgce / unit"},
                    "series": [
                        {
                            "name": "quartiles",
                            "type": "boxplot",
                            "data": [[g.minimum, g.q1, g.median, g.q3, g.maximum] for g in groups],
                            "itemStyle": {"color": "#d8efe4", "borderColor": "#13795b"},
                        },
                        {"name": "enterprises", "type": "scatter", "data": points, "symbolSize": 9},
                    ],
                }
            ).classes("w-full h-80").mark("bm-chart")


@ui.page("/benchmarking")
def benchmarking_page(year: int | None = None) -> None:
    with frame("nav.benchmarking") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        this_year = datetime.now(ZoneInfo("Asia/Shanghai")).year
        chosen = year if year and 2000 <= year <= 2100 else this_year
        ui.select(
            list(range(this_year - 3, this_year + 1)), value=chosen, label=t("bm.year"),
            on_change=lambda e: ui.navigate.to(f"/benchmarking?year={e.value}"),
        ).classes("w-40").mark("bm-year")  # fmt: skip
        try:
            report = benchmarking.benchmarking(db, p, current.park_id, year=chosen)
        except ServiceError as exc:
            notify_error(exc)
            return
        _benchmark_view(report)


def _finding_card(f: Any) -> None:
    zh = language() == "zh-CN"
    with ui.card().classes("pc-card w-full").mark(f"dg-finding-{f.rule}"):
        with ui.row().classes("items-center justify-between w-full"):
            ui.label(f.title_zh if zh else f.title_en).classes("text-subtitle1 text-weight-medium")
            ui.badge(f.service_zh if zh else f.service_en, color="accent").mark("dg-service")
        s = f.saving
        ui.label(
            f"{t('dg.saving_kwh')}: {_num(s.kwh, 0)} · {t('dg.saving_tce')}: {_num(s.tce, 2)} · "
            f"{t('dg.saving_cny')}: {_num(s.cny, 0)} · {t('dg.saving_tco2e')}: {_num(s.tco2e, 2)}"
        ).classes("text-positive").mark("dg-saving")
        ui.label(f"{t('dg.basis')}: {s.basis_zh if language() != 'en' and s.basis_zh else s.basis}").classes(
            "text-caption text-grey-7"
        )
        with ui.expansion(t("dg.evidence"), icon="fact_check").classes("w-full"):
            rows = [
                {"k": k, "v": _num(v, 3) if isinstance(v, float) else ("—" if v is None else str(v))}
                for k, v in f.evidence.items()
            ]
            ui.table(
                columns=[{"name": "k", "label": "", "field": "k", "align": "left"},
                         {"name": "v", "label": "", "field": "v", "align": "left"}],
                rows=rows, row_key="k",
            ).props("dense flat").classes("w-full")  # fmt: skip


#: the saving a diagnosis is ordered by → (decimals, unit key)
_MEASURES = {"cny": (0, "dg.unit.cny"), "kwh": (0, "dg.unit.kwh"), "tco2e": (2, "dg.unit.tco2e")}


def _diagnosis_view(report: DiagnosisReport, by: str) -> None:
    """Enterprises and their findings by annual saving in ``by`` (largest first); findings that save
    nothing and enterprises without a finding are left out (``diagnosis.ranked``)."""
    diagnosed = len(report.enterprises)
    shown = diagnosis.ranked(report, by)  # type: ignore[arg-type]
    ents = shown.enterprises
    total_kwh = sum(e.saving_kwh for e in ents)
    total_cny = sum(e.saving_cny or 0.0 for e in ents)
    with ui.row().classes("w-full q-gutter-md"):
        kpi_card(t("dg.enterprises"), str(diagnosed), "factory", mark="dg-kpi-enterprises")
        kpi_card(
            t("dg.findings"), str(sum(len(e.findings) for e in ents)), "troubleshoot", mark="dg-kpi-findings"
        )
        kpi_card(t("dg.saving_kwh"), _num(total_kwh, 0), "bolt", mark="dg-kpi-kwh")
        kpi_card(t("dg.saving_cny"), _num(total_cny, 0), "payments", mark="dg-kpi-cny")
    if report.tariff_document:
        ui.label(f"{t('dg.tariff')}: {report.tariff_document}").classes("text-caption text-grey-7")
    if not ents:
        ui.label(t("dg.no_findings")).mark("dg-empty")
    digits, unit_key = _MEASURES[by]
    unit = t(unit_key)
    for e in ents:
        value = {"cny": e.saving_cny, "kwh": e.saving_kwh, "tco2e": e.saving_tco2e}[by]
        with ui.expansion(
            f"{local_name(e.enterprise_name, e.enterprise_name_en)} — {len(e.findings)} · "
            f"{_num(value, digits)} {unit}", icon="factory",
            value=e is ents[0],
        ).classes("w-full pc-card").mark(f"dg-enterprise-{e.enterprise_id}"):  # fmt: skip
            for f in e.findings:
                _finding_card(f)


@ui.page("/diagnosis")
def diagnosis_page(days: int = 28, by: str = "cny") -> None:
    with frame("nav.diagnosis") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        window = days if days in (7, 14, 28, 56, 91) else 28
        measure = by if by in diagnosis.SAVING_MEASURES else "cny"
        with ui.row().classes("items-center q-gutter-md"):
            ui.select(
                [7, 14, 28, 56, 91], value=window, label=t("dg.days"),
                on_change=lambda e: ui.navigate.to(f"/diagnosis?days={e.value}&by={measure}"),
            ).classes("w-40").mark("dg-days")  # fmt: skip
            ui.label(t("dg.order_by"))
            ui.toggle(
                {m: t(f"dg.order.{m}") for m in diagnosis.SAVING_MEASURES}, value=measure,
                on_change=lambda e: ui.navigate.to(f"/diagnosis?days={window}&by={e.value}"),
            ).mark("dg-order")  # fmt: skip
        try:
            report = diagnosis.diagnosis(db, p, current.park_id, days=window)
        except ServiceError as exc:
            notify_error(exc)
            return
        _diagnosis_view(report, measure)
