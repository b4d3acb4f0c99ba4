"""Carbon inventory (碳盘查) pages: versions, a year's inventory from the meters in one click, lines with
their data sources and results, overrides with reason and evidence, submit, revise, report downloads;
and carbon monitoring (碳监测) against the annual target."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from parkcarbon.services import access
from parkcarbon.services.clock import park_today
from parkcarbon.services.enterprise import documents, inventory, monitoring, report
from parkcarbon.services.enterprise.schemas import InventoryCreate, InventoryDetail, LineOverride
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import error_text, validation_text
from parkcarbon.web.i18n import register_texts, t
from parkcarbon.web.layout import ENTERPRISE, NavItem, frame, notify_error, register_nav
from parkcarbon.web.pages.enterprise_file import own_enterprises
from parkcarbon.web.widgets import Column, confirm, data_table, fmt_time, guarded, kpi_card

register_texts(
    {
        "nav.inventory": ("碳盘查", "Carbon inventory"),
        "nav.monitoring": ("碳监测", "Carbon monitoring"),
        "inv.year": ("报告年度", "Reporting year"),
        "inv.method": ("核算方法", "Method"),
        "inv.version": ("版本", "Version"),
        "inv.new": ("新建盘查（自动汇集计量数据）", "New inventory (from the meters)"),
        "inv.total": ("排放总量 tCO2e", "Total tCO2e"),
        "inv.total_tce": ("综合能耗 tce", "Energy tce"),
        "inv.status.draft": ("草稿", "Draft"),
        "inv.status.submitted": ("已提交（冻结）", "Submitted (frozen)"),
        "inv.open": ("查看", "Open"),
        "inv.submit": ("提交（冻结）", "Submit (freeze)"),
        "inv.revise": ("修订（新版本）", "Revise (new version)"),
        "inv.recalculate": ("重新汇集计算", "Re-assemble and recalculate"),
        "inv.override": ("修正", "Override"),
        "inv.quantity": ("活动数据", "Activity data"),
        "inv.auto": ("自动汇集值", "Assembled value"),
        "inv.origin": ("来源", "Origin"),
        "inv.reason": ("修正原因", "Reason"),
        "inv.evidence": ("凭证文件", "Evidence document"),
        "inv.source": ("排放源", "Source"),
        "inv.warnings": ("数据质量提示", "Data-quality findings"),
        "inv.errors": ("计算错误", "Calculation errors"),
        "inv.download_pdf": ("下载报告 PDF", "Report PDF"),
        "inv.download_xlsx": ("下载报告 XLSX", "Report XLSX"),
        "inv.download_en": ("英文摘要 PDF", "English summary PDF"),
        "inv.diff": ("与上一版本的差异", "Difference to the previous version"),
        "inv.sha": ("快照 SHA-256", "Snapshot SHA-256"),
        "mon.ytd": ("年初至今排放 tCO2e", "Year to date tCO2e"),
        "mon.target": ("年度目标 tCO2e", "Annual target tCO2e"),
        "mon.path": ("目标进度线 tCO2e", "Target path tCO2e"),
        "mon.projected": ("全年预计排放", "Projected for the year"),
        "mon.projection": (
            "全年预计排放 {value} tCO2e（{method}）",
            "Projected for the year: {value} tCO2e ({method})",
        ),
        "mon.no_projection": ("暂无全年预计排放", "No year-end projection"),
        "mon.msg.no_target": ("{year} 年未设目标", "no target set for {year}"),
        "mon.msg.alert": (
            "年初至今排放 {ytd} tCO₂e，超过目标路径 {path} tCO₂e（达路径的 {pct}%），年度目标 {target} tCO₂e",
            "year-to-date emissions {ytd} tCO₂e exceed the target path {path} tCO₂e ({pct}% of the path); "
            "annual target {target} tCO₂e",
        ),
        "mon.msg.ok": (
            "进度正常：年初至今 {ytd} tCO₂e，目标路径 {path} tCO₂e",
            "on track: {ytd} tCO₂e against a target path of {path} tCO₂e",
        ),
        "mon.method.plan": ("按生产计划", "from the production plan"),
        "mon.method.seasonal": ("按上年季节分布", "by last year's seasonal profile"),
        "mon.method.linear": ("按日历线性", "linear in days"),
        "mon.method.none": ("无预测", "no projection"),
        "mon.alert": (
            "预警：年初至今排放已超过目标进度",
            "Alert: year-to-date emissions exceed the target path",
        ),
        "mon.ok": ("排放进度正常", "On track"),
        "mon.no_target": ("尚未设定本年度目标", "No target set for this year"),
    }
)
register_nav(
    NavItem("end.enterprise", "/enterprise/inventory", "nav.inventory", "fact_check", frozenset(ENTERPRISE))
)
register_nav(
    NavItem("end.enterprise", "/enterprise/monitoring", "nav.monitoring", "insights", frozenset(ENTERPRISE))
)


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@ui.page("/enterprise/inventory")
def inventory_list_page() -> None:
    with frame("nav.inventory") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        for ent in own_enterprises(p):
            year = (
                ui.select(
                    [park_today().year - i for i in range(1, 6)],
                    value=park_today().year - 1,
                    label=t("inv.year"),
                )
                .classes("w-40")
                .mark("inventory-year")
            )
            method = (
                ui.select(
                    ["GB/T 32150-2015", "GB/T 32150-2025", "ISO 14064-1:2018", "GHG Protocol"],
                    value=None,
                    label=t("inv.method"),
                    clearable=True,
                )
                .classes("w-56")
                .mark("inventory-method")
            )

            def create(ent: int = ent, year: Any = year, method: Any = method) -> None:
                try:
                    made = inventory.create_inventory(
                        db, p, ent, InventoryCreate(year=int(year.value), method=method.value or None)
                    )
                except ServiceError as exc:
                    notify_error(exc)
                    return
                ui.navigate.to(f"/enterprise/inventory/{made.id}")

            ui.button(t("inv.new"), icon="playlist_add_check", on_click=create).props("color=primary").mark(
                "inventory-create"
            )
            rows = inventory.list_inventories(db, p, ent)
            table = data_table(
                [
                    Column("year", "inv.year"),
                    Column("version", "inv.version"),
                    Column("method", "inv.method"),
                    Column("status", "status", lambda v: t(f"inv.status.{v}")),
                    Column("total_tco2e", "inv.total", _num),
                    Column("total_tce", "inv.total_tce", _num),
                    Column("created_at", "created_at", fmt_time),
                ],
                rows,
                mark="inventory-table",
            )
            table.on("rowClick", lambda e: ui.navigate.to(f"/enterprise/inventory/{e.args[1]['id']}"))


def _override_dialog(inv: InventoryDetail, p: Principal) -> tuple[ui.dialog, dict[str, Any]]:
    db = web_session.runtime().db
    docs = {
        d.id: f"{d.filename} ({d.sha256[:8]})"
        for d in documents.list_documents(db, p, inv.enterprise_id, PageParams(limit=1000)).data
    }
    state: dict[str, Any] = {"line": None}
    with ui.dialog() as dialog, ui.card().classes("w-[32rem]").mark("override-dialog"):
        title = ui.label(t("inv.override")).classes("text-h6")
        quantity = ui.number(t("inv.quantity"), format="%.6g").classes("w-full").mark("override-quantity")
        reason = ui.input(t("inv.reason")).classes("w-full").mark("override-reason")
        evidence = ui.select(docs, label=t("inv.evidence")).classes("w-full").mark("override-evidence")
        error = ui.label().classes("text-negative").mark("override-error")

        def save() -> None:
            try:
                body = LineOverride.model_validate(
                    {
                        "quantity": quantity.value,
                        "reason": reason.value,
                        "evidence_document_id": evidence.value,
                    }
                )
                inventory.override_line(db, p, inv.id, state["line"], body)
            except ServiceError as exc:
                error.text = error_text(exc)
                return
            except ValueError as exc:
                errors: list[Any] = getattr(exc, "errors", list)()
                error.text = validation_text(errors) or str(exc)
                return
            dialog.close()
            ui.navigate.reload()

        with ui.row().classes("w-full justify-end"):
            ui.button(t("cancel"), on_click=dialog.close).props("flat")
            ui.button(t("save"), on_click=save).props("color=primary").mark("override-save")
    state.update(quantity=quantity, title=title)
    return dialog, state


@ui.page("/enterprise/inventory/{inventory_id}")
def inventory_detail_page(inventory_id: int) -> None:
    with frame("nav.inventory") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            inv = inventory.get_inventory(db, p, inventory_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        ui.label(f"{inv.year} · V{inv.version} · {inv.method} · {t(f'inv.status.{inv.status}')}").classes(
            "text-subtitle1"
        ).mark("inventory-heading")
        with ui.row().classes("q-gutter-md"):
            kpi_card(t("inv.total"), _num(inv.total_tco2e), "co2", mark="kpi-total")
            kpi_card(t("inv.total_tce"), _num(inv.total_tce), "bolt", mark="kpi-tce")
        _actions(inv, p)
        if inv.errors:
            with ui.card().classes("pc-card w-full bg-red-1").mark("inventory-errors"):
                ui.label(t("inv.errors")).classes("text-negative")
                for e in inv.errors:
                    ui.label(f"{e.get('source') or e.get('activity')}: {e.get('field')} — {e.get('reason')}")
        dialog, state = _override_dialog(inv, p)
        rows = [
            {
                "id": ln.id,
                "activity_id": ln.activity_id,
                "source": ln.source_name,
                "quantity": _num(ln.quantity),
                "unit": ln.unit,
                "auto": _num(ln.auto_quantity),
                "origin": ln.origin,
                "tco2e": _num(ln.tco2e),
                "reason": ln.override_reason or "",
                "formula": (ln.result or {}).get("formula", ""),
            }
            for ln in inv.lines
        ]
        columns = [
            {"name": n, "label": t(k), "field": n, "align": "left"}
            for n, k in (
                ("activity_id", "code"),
                ("source", "inv.source"),
                ("quantity", "inv.quantity"),
                ("unit", "unit"),
                ("auto", "inv.auto"),
                ("origin", "inv.origin"),
                ("tco2e", "inv.total"),
                ("reason", "inv.reason"),
                ("formula", "inv.formula"),
            )
        ]
        if inv.status == "draft":
            columns.append({"name": "action", "label": "", "field": "id"})
        table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").mark("line-table")
        if inv.status == "draft":
            table.add_slot(
                "body-cell-action",
                f"""<q-td :props="props"><q-btn flat dense size="sm" color="primary"
                     label="{t("inv.override")}"
                     @click="() => $parent.$emit('override', props.row)" /></q-td>""",
            )

            def open_override(e: Any) -> None:
                state["line"] = int(e.args["id"])
                state["title"].text = f"{t('inv.override')}: {e.args['source']} ({e.args['activity_id']})"
                dialog.open()

            table.on("override", open_override)
        if inv.warnings:
            with ui.expansion(t("inv.warnings"), icon="report").classes("w-full").mark("inventory-warnings"):
                for w in inv.warnings:
                    ui.label(f"{w.get('source', '')} · {w.get('message', '')}").classes("text-caption")
        if inv.diff:
            with ui.expansion(t("inv.diff"), icon="difference").classes("w-full").mark("inventory-diff"):
                tot = inv.diff["totals"]["tco2e"]
                ui.label(f"tCO2e: {_num(tot['old'])} → {_num(tot['new'])} (Δ {_num(tot['delta'])})")
                for a in inv.diff["activity_data"]:
                    ui.label(f"{a['source']}: {_num(a['old_quantity'])} → {_num(a['new_quantity'])}")
        if inv.snapshot_sha256:
            ui.label(f"{t('inv.sha')}: {inv.snapshot_sha256}").classes("text-caption text-grey-7")


register_texts({"inv.formula": ("计算公式", "Formula")})


def _actions(inv: InventoryDetail, p: Principal) -> None:
    db = web_session.runtime().db
    admin = access.can_admin_enterprise(p, inv.enterprise_id)
    member = access.can_write_enterprise(p, inv.enterprise_id)
    with ui.row().classes("q-gutter-sm"):
        if inv.status == "draft" and member:
            ui.button(
                t("inv.recalculate"),
                icon="refresh",
                on_click=lambda: guarded(
                    lambda: inventory.recalculate(db, p, inv.id), success="saved", reload=True
                ),
            ).props("outline").mark("inventory-recalculate")
        if inv.status == "draft" and admin:
            ui.button(
                t("inv.submit"),
                icon="lock",
                on_click=lambda: confirm(
                    t("inv.confirm_submit"),
                    lambda: guarded(
                        lambda: inventory.submit_inventory(db, p, inv.id), success="saved", reload=True
                    ),
                ),
            ).props("color=primary").mark("inventory-submit")
        if member:

            def revise() -> None:
                try:
                    made = inventory.create_revision(db, p, inv.id)
                except ServiceError as exc:
                    notify_error(exc)
                    return
                ui.navigate.to(f"/enterprise/inventory/{made.id}")

            ui.button(t("inv.revise"), icon="history_edu", on_click=revise).props("outline").mark(
                "inventory-revise"
            )

        def download(fmt_: str, language: str) -> None:
            try:
                found = report.build_report(db, p, inv.id, fmt_=fmt_, language=language)  # type: ignore[arg-type]
            except ServiceError as exc:
                notify_error(exc)
                return
            ui.download.content(found.content, found.filename, found.media_type)

        ui.button(t("inv.download_pdf"), icon="picture_as_pdf", on_click=lambda: download("pdf", "zh")).mark(
            "report-pdf"
        )
        ui.button(t("inv.download_xlsx"), icon="table_view", on_click=lambda: download("xlsx", "zh")).mark(
            "report-xlsx"
        )
        ui.button(t("inv.download_en"), icon="translate", on_click=lambda: download("pdf", "en")).mark(
            "report-en"
        )


def _projection_text(projected: float | None, method: str) -> str:
    """The year-end projection with its method, e.g. 全年预计排放 1,074 tCO2e（按上年季节分布）."""
    if projected is None:
        return t("mon.no_projection")
    return t("mon.projection").format(value=_num(projected, 0), method=t(f"mon.method.{method}"))


def _status_text(m: Any) -> str:
    """The service's status sentence (``Monitoring.message``, English) from its figures, in the user's
    language."""
    if not m.target_tco2e or m.target_path_tco2e is None:
        return t("mon.msg.no_target").format(year=m.year)
    if m.alert:
        return t("mon.msg.alert").format(
            ytd=_num(m.ytd_tco2e, 1), path=_num(m.target_path_tco2e, 1), target=_num(m.target_tco2e, 0),
            pct=_num(100 * (m.pace_ratio or 0), 0),
        )  # fmt: skip
    return t("mon.msg.ok").format(ytd=_num(m.ytd_tco2e, 1), path=_num(m.target_path_tco2e, 1))


@ui.page("/enterprise/monitoring")
def monitoring_page() -> None:
    with frame("nav.monitoring") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        for ent in own_enterprises(p):
            try:
                m = monitoring.monitoring(db, p, ent)
            except ServiceError as exc:
                notify_error(exc)
                continue
            if m.target_tco2e is None:
                ui.label(t("mon.no_target")).classes("text-grey-7").mark("monitoring-status")
            elif m.alert:
                ui.label(t("mon.alert")).classes("text-negative text-subtitle1").mark("monitoring-status")
            else:
                ui.label(t("mon.ok")).classes("text-positive text-subtitle1").mark("monitoring-status")
            ui.label(_status_text(m)).classes("text-caption text-grey-7").mark("monitoring-message")
            with ui.row().classes("q-gutter-md"):
                kpi_card(t("mon.ytd"), _num(m.ytd_tco2e, 1), "co2", mark="kpi-ytd")
                kpi_card(t("mon.target"), _num(m.target_tco2e, 0), "flag", mark="kpi-target")
                kpi_card(t("mon.path"), _num(m.target_path_tco2e, 1), "timeline", mark="kpi-path")
                kpi_card(t("mon.projected"), _num(m.projected_tco2e, 0), "trending_up", mark="kpi-projected")
            ui.label(_projection_text(m.projected_tco2e, m.projection_method)).classes("text-body2").mark(
                "monitoring-projection"
            )
            ui.echart(
                {
                    "tooltip": {"trigger": "axis"},
                    "legend": {"data": [t("mon.ytd"), t("mon.path")]},
                    "xAxis": {"type": "category", "data": [pt.label for pt in m.months]},
                    "yAxis": {"type": "value", "name": "tCO2e"},
                    "series": [
                        {
                            "name": t("mon.ytd"),
                            "type": "line",
                            "data": [pt.cumulative_tco2e for pt in m.months],
                        },
                        {
                            "name": t("mon.path"),
                            "type": "line",
                            "lineStyle": {"type": "dashed"},
                            "data": [pt.target_cumulative_tco2e for pt in m.months],
                        },
                    ],
                }
            ).classes("w-full h-80").mark("monitoring-chart")
