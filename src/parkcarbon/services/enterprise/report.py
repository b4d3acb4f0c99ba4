"""The enterprise GHG emissions report (企业温室气体排放报告) and the English ISO 14064-1 / GHG Protocol
summary, built from a stored inventory version: every figure is read from the stored engine answer
and lines (never recalculated), and each line names its activity id, data lineage and factor ids.

The Chinese report follows the structure of the national enterprise reporting templates (the
reporting-format annexes of the NDRC sector guidelines and of GB/T 32150 §8/§9): 一 基本情况、
二 核算边界、三 排放源、四 活动数据及来源、五 排放因子及来源、六 排放量（按排放源、按类别）、
七 数据质量管理、八 补充数据、附录 核算溯源.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from parkcarbon.core.carriers import CARRIERS
from parkcarbon.reports import Block, FontNotFoundError, Sheet, render_pdf, render_xlsx
from parkcarbon.reports.render import fmt
from parkcarbon.services.enterprise.inventory import detail, inventory_for_read
from parkcarbon.services.enterprise.profile import file_of
from parkcarbon.services.enterprise.schemas import EnterpriseFile, InventoryDetail
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry.schemas import PROVINCES
from parkcarbon.store.db import Database

__all__ = [
    "ReportFile",
    "ReportUnavailable",
    "build_report",
    "report_blocks_zh",
    "summary_blocks_en",
    "workbook",
]

CATEGORY_ZH = {
    "fuel_combustion": "化石燃料燃烧排放",
    "purchased_electricity": "净购入电力隐含排放",
    "purchased_heat": "净购入热力隐含排放",
    "process": "工业生产过程排放",
    "fugitive": "逃逸排放",
    "other": "其他",
    "purchased_energy": "净购入电力和热力隐含排放",
    "exported_energy": "输出电力和热力（扣减）",
    "co2_recovery": "CO2回收利用（扣减）",
}
ORIGIN_ZH = {"meters": "计量器具（月度汇总）", "uploads": "上传活动数据（凭证）", "manual": "人工填报"}
APPROACH = {
    "operational_control": ("运营控制权法", "operational control"),
    "financial_control": ("财务控制权法", "financial control"),
    "equity_share": ("股权比例法", "equity share"),
}
ISO_CATEGORIES = {
    "1": "Direct GHG emissions and removals",
    "2": "Indirect GHG emissions from imported energy",
    "3": "Indirect GHG emissions from transportation",
    "4": "Indirect GHG emissions from products used by the organization",
    "5": "Indirect GHG emissions associated with the use of products from the organization",
    "6": "Indirect GHG emissions from other sources",
}
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportUnavailable(ServiceError):
    """The report cannot be produced on this installation (e.g. no CJK font); the detail says why."""

    status = 503
    title = "Report unavailable"
    code = "report_unavailable"


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    content: bytes


def carrier_zh(carrier_id: str | None) -> str | None:
    """The Chinese name of an energy carrier (电力, 天然气, 柴油 … as GB/T 2589-2020 Annex A names it) for
    the Chinese report; an id outside the vocabulary is printed as it is."""
    if carrier_id is None:
        return None
    found = CARRIERS.get(carrier_id)
    return found.name_zh if found else carrier_id


def _q(x: float | None) -> str:
    return fmt(x, 2)


def _factor_rows(inv: InventoryDetail) -> list[list[Any]]:
    seen: dict[str, list[Any]] = {}
    for line in inv.lines:
        for f in (line.result or {}).get("factors", []) + (line.result or {}).get("market_factors", []):
            value = f"{f['value']:.10g}" if isinstance(f["value"], int | float) else f["value"]
            row = seen.setdefault(f["id"], [f["id"], value, f["unit"], f["source"], f.get("confidence"), []])
            row[5].append(line.activity_id)
    return [[*r[:5], ", ".join(r[5])] for r in seen.values()]


def _meter_text(line: Any) -> str:
    lin = line.data_lineage or {}
    if lin.get("kind") == "meter_rollups":
        parts = [f"{m['code']} {fmt(m['total'])} {m['unit']}" for m in lin.get("meters", [])]
        return "; ".join(parts) or "（未关联计量器具）"
    if lin.get("kind") == "activity_record":
        period = f"{lin['period'][0]}～{lin['period'][1]}"
        return f"记录 #{lin['record_id']} {period} {lin.get('document_ref') or ''}".strip()
    return str(lin.get("note", ""))


def report_blocks_zh(ent: EnterpriseFile, inv: InventoryDetail) -> list[Block]:
    """The Chinese report's content (every figure from the stored inventory)."""
    totals = inv.totals or {}
    province = PROVINCES.get(ent.province or "", (ent.province or "—", ""))[0]
    approach = APPROACH[ent.boundary.approach][0] if ent.boundary else "运营控制权法"
    blocks = [
        Block("title", f"{ent.name}\n{inv.year}年度温室气体排放报告"),
        Block(
            "subtitle",
            f"核算方法：{inv.method}"
            + (f"（{inv.sector_guideline}）" if inv.sector_guideline else "")
            + f" · 盘查版本 V{inv.version} · 状态："
            + ("已提交（冻结）" if inv.status == "submitted" else "草稿"),
        ),
        Block("heading", "一、企业基本情况"),
        Block(
            "kv",
            rows=[
                ["企业名称", ent.name],
                ["统一社会信用代码", ent.credit_code or "—"],
                ["行业（GB/T 4754-2017）", f"{ent.industry_code or '—'} {ent.industry or ''}".strip()],
                ["所在地区", f"{province} {ent.address or ''}".strip()],
                ["法定代表人", ent.legal_representative or "—"],
                [
                    "联系人",
                    "；".join(f"{c.name} {c.phone or ''} {c.email or ''}".strip() for c in ent.contacts)
                    or "—",
                ],
                ["报告年度", str(inv.year)],
                ["核算方法", inv.method],
            ],
            widths=[0.3, 0.7],
        ),
        Block("heading", "二、核算边界"),
        Block(
            "para",
            f"本报告以{approach}确定组织边界。" + (ent.boundary.description or "" if ent.boundary else ""),
        ),
    ]
    if ent.boundary and ent.boundary.sites:
        blocks.append(Block("para", "边界内场所：" + "、".join(ent.boundary.sites)))
    if ent.boundary and ent.boundary.exclusions:
        blocks.append(Block("para", "排除说明：" + ent.boundary.exclusions))
    blocks += [
        Block("heading", "三、排放源识别"),
        Block(
            "table",
            header=["序号", "排放源", "排放类别", "能源品种/物质", "数据来源"],
            rows=[
                [
                    ln.position,
                    ln.source_name,
                    CATEGORY_ZH.get(ln.category, ln.category),
                    carrier_zh(ln.carrier)
                    or (ln.result or {}).get("process")
                    or (ln.result or {}).get("gas")
                    or "—",
                    ORIGIN_ZH.get(ln.origin, ln.origin),
                ]
                for ln in inv.lines
            ],
            widths=[0.07, 0.3, 0.23, 0.17, 0.23],
        ),
        Block("heading", "四、活动数据及来源"),
        Block(
            "table",
            header=["编号", "排放源", "活动数据", "单位", "自动汇集值", "来源与溯源", "人工修正说明"],
            rows=[
                [
                    ln.activity_id,
                    ln.source_name,
                    _q(ln.quantity),
                    ln.unit,
                    _q(ln.auto_quantity),
                    _meter_text(ln),
                    (
                        f"{ln.override_reason}（凭证文件 #{ln.evidence_document_id}，{ln.overridden_by}）"
                        if ln.override_reason
                        else "—"
                    ),
                ]
                for ln in inv.lines
            ],
            widths=[0.1, 0.17, 0.13, 0.07, 0.13, 0.25, 0.15],
        ),
        Block("heading", "五、排放因子及来源"),
        Block(
            "table",
            header=["因子编号", "数值", "单位", "来源", "可信度", "适用活动"],
            rows=_factor_rows(inv),
            widths=[0.22, 0.09, 0.1, 0.38, 0.07, 0.14],
        ),
        Block("heading", "六、温室气体排放量"),
        Block(
            "table",
            text="（一）按排放源",
            header=["编号", "排放源", "活动数据", "综合能耗 tce", "排放量 tCO2e", "范围"],
            rows=[
                [
                    ln.activity_id,
                    ln.source_name,
                    f"{_q(ln.quantity)} {ln.unit}",
                    _q(ln.tce),
                    _q(ln.tco2e),
                    (ln.result or {}).get("scope") or "—",
                ]
                for ln in inv.lines
            ]
            + [["合计", "", "", _q(totals.get("tce")), _q(totals.get("tco2e")), ""]],
            widths=[0.12, 0.28, 0.2, 0.14, 0.16, 0.1],
        ),
        Block(
            "table",
            text="（二）按排放类别（GB/T 32150）",
            header=["排放类别", "排放量 tCO2e"],
            rows=[
                [CATEGORY_ZH.get(k, k), _q(v)] for k, v in (totals.get("by_gbt32150_category") or {}).items()
            ]
            + [["企业温室气体排放总量", _q(totals.get("tco2e"))]],
            widths=[0.6, 0.4],
        ),
        Block(
            "table",
            text="（三）按范围（GHG Protocol）",
            header=["范围", "排放量 tCO2e"],
            rows=[
                ["范围一 直接排放", _q((totals.get("by_scope") or {}).get("1"))],
                ["范围二 外购能源（基于位置）", _q((totals.get("by_scope") or {}).get("2_location"))],
                ["范围二 外购能源（基于市场）", _q((totals.get("by_scope") or {}).get("2_market"))],
                ["范围三 其他间接", _q((totals.get("by_scope") or {}).get("3"))],
            ],
            widths=[0.6, 0.4],
        ),
        Block("para", f"综合能耗（当量值）合计：{_q(totals.get('tce'))} tce。"),
        Block("heading", "七、数据质量管理"),
    ]
    quality_rows = [
        [w.get("activity_id", ""), w.get("source", ""), w.get("code", ""), w.get("message", "")]
        for w in inv.warnings
    ]
    blocks.append(
        Block(
            "table",
            header=["编号", "排放源", "类型", "说明"],
            rows=quality_rows or [["—", "—", "—", "未发现数据质量问题"]],
            widths=[0.12, 0.2, 0.18, 0.5],
        )
    )
    blocks.append(
        Block(
            "para",
            "活动数据优先采用计量器具月度汇总数据；无计量数据的排放源采用购销凭证；"
            "人工修正均记录原因及凭证文件（SHA-256 可核验）。",
        )
    )
    blocks += _supplementary_zh(inv)
    blocks += [
        Block("heading", "附录 核算溯源"),
        Block(
            "kv",
            rows=[
                ["盘查编号 / 版本", f"#{inv.id} / V{inv.version}"],
                ["因子库版本", inv.factor_library_version or "—"],
                ["快照 SHA-256", inv.snapshot_sha256 or "（草稿，未冻结）"],
                ["计算时间", fmt(inv.calculated_at)],
                ["提交", f"{fmt(inv.submitted_at)} {inv.submitted_by or ''}".strip()],
            ],
            widths=[0.3, 0.7],
        ),
        Block(
            "table",
            header=["编号", "计算公式", "依据条款"],
            rows=[
                [ln.activity_id, (ln.result or {}).get("formula", "—"), (ln.result or {}).get("clause", "—")]
                for ln in inv.lines
            ],
            widths=[0.12, 0.5, 0.38],
        ),
        Block(
            "note",
            "以上数据均来自平台存储的核算引擎结果（含因子、来源与公式），可通过 POST /api/v1/calc "
            "以本盘查的 request 原样复算。",
        ),
    ]
    return blocks


def _supplementary_zh(inv: InventoryDetail) -> list[Block]:
    blocks = [Block("heading", "八、补充数据")]
    sup = inv.supplementary or {}
    total = (inv.totals or {}).get("tco2e")
    rows = []
    for out in sup.get("product_outputs", []):
        rows.append([out["name"], f"{fmt(out['quantity'])} {out['unit']}"])
    if sup.get("output_value_10k_cny"):
        rows.append(["工业总产值（万元）", fmt(sup["output_value_10k_cny"])])
        if total is not None:
            rows.append(["单位产值碳排放（tCO2e/万元）", fmt(total / sup["output_value_10k_cny"], 4)])
    outputs = sup.get("product_outputs", [])
    if len(outputs) == 1 and outputs[0]["quantity"] and total is not None:
        rows.append([f"单位产品碳排放（tCO2e/{outputs[0]['unit']}）", fmt(total / outputs[0]["quantity"], 4)])
    blocks.append(Block("kv", rows=rows or [["补充数据", "未填报"]], widths=[0.5, 0.5]))
    return blocks


def summary_blocks_en(ent: EnterpriseFile, inv: InventoryDetail) -> list[Block]:
    """The English ISO 14064-1:2018 / GHG Protocol summary (figures from the stored inventory)."""
    totals = inv.totals or {}
    scope = totals.get("by_scope") or {}
    approach = APPROACH[ent.boundary.approach][1] if ent.boundary else "operational control"
    return [
        Block("title", f"{ent.name_en or ent.name}\nGHG inventory {inv.year} — summary"),
        Block(
            "subtitle",
            f"ISO 14064-1:2018 and GHG Protocol Corporate Standard · quantified by {inv.method}"
            f" · version {inv.version} ({inv.status})",
        ),
        Block("heading", "Organisation and boundary"),
        Block(
            "kv",
            rows=[
                ["Organisation", ent.name_en or ent.name],
                ["Unified social credit code", ent.credit_code or "—"],
                ["Industry (GB/T 4754-2017)", ent.industry_code or "—"],
                ["Reporting period", f"{inv.year}-01-01 to {inv.year}-12-31"],
                ["Consolidation approach", approach],
                ["Quantification", inv.method],
            ],
            widths=[0.35, 0.65],
        ),
        Block("heading", "Emissions by ISO 14064-1:2018 category"),
        Block(
            "table",
            header=["Category", "Description", "tCO2e"],
            rows=[
                [k, ISO_CATEGORIES.get(k, ""), _q(v)]
                for k, v in sorted((totals.get("by_iso14064_category") or {}).items())
            ]
            + [["Total", "", _q(totals.get("tco2e"))]],
            widths=[0.12, 0.63, 0.25],
        ),
        Block("heading", "Emissions by GHG Protocol scope"),
        Block(
            "table",
            header=["Scope", "tCO2e"],
            rows=[
                ["Scope 1 (direct)", _q(scope.get("1"))],
                ["Scope 2 (location-based)", _q(scope.get("2_location"))],
                ["Scope 2 (market-based)", _q(scope.get("2_market"))],
                ["Scope 3", _q(scope.get("3"))],
            ],
            widths=[0.6, 0.4],
        ),
        Block("heading", "Emissions by source"),
        Block(
            "table",
            header=["Id", "Source", "Activity data", "tCO2e", "Factors"],
            rows=[
                [
                    ln.activity_id,
                    ln.source_name,
                    f"{_q(ln.quantity)} {ln.unit}",
                    _q(ln.tco2e),
                    ", ".join(f["id"] for f in (ln.result or {}).get("factors", [])),
                ]
                for ln in inv.lines
            ],
            widths=[0.1, 0.22, 0.18, 0.12, 0.38],
        ),
        Block("heading", "Data quality"),
        Block(
            "table",
            header=["Id", "Finding"],
            rows=[[w.get("activity_id", ""), w.get("message", "")] for w in inv.warnings]
            or [["—", "no findings"]],
            widths=[0.15, 0.85],
        ),
        Block("heading", "Lineage"),
        Block(
            "kv",
            rows=[
                ["Inventory / version", f"#{inv.id} / {inv.version}"],
                ["Factor library", inv.factor_library_version or "—"],
                ["Snapshot SHA-256", inv.snapshot_sha256 or "(draft, not frozen)"],
            ],
            widths=[0.35, 0.65],
        ),
        Block(
            "note",
            "Every figure is the stored answer of the accounting engine; the stored request "
            "reproduces it through POST /api/v1/calc.",
        ),
    ]


def workbook(ent: EnterpriseFile, inv: InventoryDetail) -> list[Sheet]:
    """The XLSX workbook: the report's tables with numbers as numbers, plus the full lineage."""
    totals = inv.totals or {}
    return [
        Sheet(
            "基本信息 Basic",
            ["项目 Item", "内容 Value"],
            [
                ["企业名称 Name", ent.name],
                ["统一社会信用代码 Credit code", ent.credit_code],
                ["行业 Industry", ent.industry_code],
                ["报告年度 Year", inv.year],
                ["核算方法 Method", inv.method],
                ["版本 Version", inv.version],
                ["状态 Status", inv.status],
                ["因子库 Factor library", inv.factor_library_version],
                ["快照 SHA-256", inv.snapshot_sha256],
            ],
            [28, 60],
        ),
        Sheet(
            "活动数据 Activity",
            [
                "编号 Id",
                "排放源 Source",
                "类别 Category",
                "品种 Carrier",
                "活动数据 Quantity",
                "单位 Unit",
                "自动汇集 Auto",
                "来源 Origin",
                "修正原因 Override reason",
                "凭证 Evidence doc",
                "溯源 Lineage",
            ],
            [
                [
                    ln.activity_id,
                    ln.source_name,
                    ln.category,
                    ln.carrier,
                    ln.quantity,
                    ln.unit,
                    ln.auto_quantity,
                    ln.origin,
                    ln.override_reason,
                    ln.evidence_document_id,
                    _meter_text(ln),
                ]
                for ln in inv.lines
            ],
            [10, 22, 20, 14, 16, 8, 16, 10, 30, 10, 50],
        ),
        Sheet(
            "排放因子 Factors",
            [
                "因子 Factor id",
                "数值 Value",
                "单位 Unit",
                "来源 Source",
                "可信度 Confidence",
                "活动 Activities",
            ],
            _factor_rows(inv),
            [40, 12, 14, 70, 10, 20],
        ),
        Sheet(
            "排放量 Emissions",
            [
                "编号 Id",
                "排放源 Source",
                "tce",
                "tCO2e",
                "范围 Scope",
                "ISO 14064-1",
                "GB/T 32150",
                "公式 Formula",
                "条款 Clause",
            ],
            [
                [
                    ln.activity_id,
                    ln.source_name,
                    ln.tce,
                    ln.tco2e,
                    (ln.result or {}).get("scope"),
                    (ln.result or {}).get("iso14064_category"),
                    (ln.result or {}).get("gbt32150_category"),
                    (ln.result or {}).get("formula"),
                    (ln.result or {}).get("clause"),
                ]
                for ln in inv.lines
            ]
            + [["合计 Total", "", totals.get("tce"), totals.get("tco2e"), None, None, None, None, None]],
            [10, 22, 12, 14, 8, 10, 18, 70, 50],
        ),
        Sheet(
            "数据质量 Quality",
            ["编号 Id", "排放源 Source", "类型 Code", "说明 Message"],
            [[w.get("activity_id"), w.get("source"), w.get("code"), w.get("message")] for w in inv.warnings],
            [10, 22, 22, 80],
        ),
    ]


def build_report(
    db: Database,
    p: Principal,
    inventory_id: int,
    *,
    fmt_: Literal["pdf", "xlsx"] = "pdf",
    language: Literal["zh", "en"] = "zh",
) -> ReportFile:
    """The report file of an inventory version (readers of the inventory: members, grantees, verifier)."""
    with db.read() as s:
        inv_row, org = inventory_for_read(s, p, inventory_id)
        inv = detail(s, inv_row, p)
        ent = file_of(s, org)
    stem = f"ghg-report-{inv.year}-v{inv.version}-{'summary-en' if language == 'en' else 'zh'}"
    if fmt_ == "xlsx":
        return ReportFile(f"{stem}.xlsx", MEDIA["xlsx"], render_xlsx(workbook(ent, inv)))
    blocks = summary_blocks_en(ent, inv) if language == "en" else report_blocks_zh(ent, inv)
    footer = f"parkcarbon · inventory #{inv.id} V{inv.version} · {inv.snapshot_sha256 or 'draft'}"
    try:
        content = render_pdf(
            blocks,
            title=f"{ent.name} {inv.year} GHG report",
            footer=footer,
            watermark=None if inv.status == "submitted" else "草稿 DRAFT",
        )
    except FontNotFoundError as exc:
        raise ReportUnavailable(str(exc), errors=[{"field": "format", "reason": str(exc)}]) from exc
    return ReportFile(f"{stem}.pdf", MEDIA["pdf"], content)
