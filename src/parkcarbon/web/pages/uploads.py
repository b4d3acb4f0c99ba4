"""Activity-data upload (非计量活动数据上传): template download, CSV/XLSX upload with a per-row validation
report, and the enterprise's recorded purchases, deliveries and bills."""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from parkcarbon.services import access
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.intake import unmetered_activity
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import organisations
from parkcarbon.vocab import OrgKind, Role
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import local_name, register_texts, t, te
from parkcarbon.web.layout import ENTERPRISE, NavItem, frame, notify_error, register_nav
from parkcarbon.web.widgets import Column, data_table, fmt_time

register_texts(
    {
        "nav.activity_data": ("活动数据上传", "Activity data upload"),
        "act.enterprise": ("企业", "Enterprise"),
        "act.template_xlsx": ("下载模板 XLSX", "Template XLSX"),
        "act.template_csv": ("下载模板 CSV", "Template CSV"),
        "act.upload": ("上传 CSV / XLSX（燃料采购、煤炭进厂、柴油、外购蒸汽与热力账单）",
                       "Upload CSV / XLSX (fuel purchases, coal deliveries, diesel, steam and heat bills)"),
        "act.dry_run": ("仅校验，不保存", "Validate only, store nothing"),
        "act.report": ("校验报告", "Validation report"),
        "act.stored": ("已保存", "Stored"),
        "act.rows": ("行数", "Rows"),
        "act.row": ("行", "Row"),
        "act.field": ("字段", "Field"),
        "act.reason": ("原因", "Reason"),
        "act.all_ok": ("所有行均通过校验", "Every row passed"),
        "act.records": ("已记录的活动数据", "Recorded activity data"),
        "act.carrier": ("能源品种", "Carrier"),
        "act.quantity": ("数量", "Quantity"),
        "act.unit": ("单位", "Unit"),
        "act.period": ("期间", "Period"),
        "act.ncv": ("实测低位发热量", "Measured NCV"),
        "act.document": ("单据号", "Document"),
        "act.source": ("来源文件", "Source file"),
    }
)  # fmt: skip
# enterprises enter their own activity data; the park admin may enter it on an enterprise's behalf
register_nav(
    NavItem("end.enterprise", "/activity-data", "nav.activity_data", "upload_file", frozenset(ENTERPRISE))
)
register_nav(
    NavItem("end.park", "/activity-data", "nav.activity_data", "upload_file", frozenset({Role.PARK_ADMIN}))
)

ALL = PageParams(limit=1000)


def _enterprises(p: Principal, park_id: int | None) -> dict[int, str]:
    """Enterprises the user records data for: their own, or every enterprise of the park (park admins)."""
    db = web_session.runtime().db
    own = {m.organisation_id for m in p.memberships if m.org_kind == OrgKind.ENTERPRISE}
    names: dict[int, str] = {}
    if park_id is not None and access.can_upload_park_data(p, park_id):
        for o in organisations.list_organisations(db, p, ALL, park_id=park_id, kind=OrgKind.ENTERPRISE).data:
            names[o.id] = local_name(o.name, o.name_en)
    for org_id in sorted(own - set(names)):
        try:
            org = organisations.get_organisation(db, p, org_id)
            names[org_id] = local_name(org.name, org.name_en)
        except ServiceError:
            names[org_id] = f"#{org_id}"
    return names


def _report(
    container: ui.element, report: unmetered_activity.UploadReport | None, errors: list[dict[str, Any]]
) -> None:
    container.clear()
    with container, ui.card().classes("pc-card w-full").mark("activity-report"):
        ui.label(t("act.report")).classes("text-lg font-medium")
        if report is not None:
            ui.label(f"{t('act.rows')}: {report.rows} · {t('act.stored')}: {report.stored}").mark(
                "activity-summary"
            )
            errors = [r.model_dump() for r in report.rejected]
        if not errors:
            ui.label(t("act.all_ok")).classes("text-positive")
            return
        cols = [
            {"name": "row", "label": t("act.row"), "field": "row", "align": "left"},
            {"name": "field", "label": t("act.field"), "field": "field", "align": "left"},
            {"name": "reason", "label": t("act.reason"), "field": "reason", "align": "left"},
        ]
        ui.table(columns=cols, rows=errors, row_key="row", pagination=50).classes("w-full").mark(
            "activity-rejected"
        )


@ui.page("/activity-data")
def activity_data_page(enterprise: int | None = None) -> None:
    with frame("nav.activity_data") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        choices = _enterprises(p, current.park_id)
        if not choices:
            ui.label(t("none"))
            return
        ent = enterprise if enterprise in choices else next(iter(choices))
        ui.select(
            choices, value=ent, label=t("act.enterprise"),
            on_change=lambda e: ui.navigate.to(f"/activity-data?enterprise={e.value}"),
        ).classes("w-96").mark("activity-enterprise")  # fmt: skip

        def download(fmt: str) -> None:
            try:
                content, media, name = unmetered_activity.template(db, p, ent, fmt)
            except ServiceError as exc:
                notify_error(exc)
                return
            ui.download.content(content, name, media)

        with ui.row().classes("items-center"):
            ui.button(t("act.template_xlsx"), icon="download", on_click=lambda: download("xlsx")).mark(
                "activity-template-xlsx"
            )
            ui.button(t("act.template_csv"), icon="download", on_click=lambda: download("csv")).props(
                "flat"
            ).mark("activity-template-csv")
            dry = ui.switch(t("act.dry_run"), value=False).mark("activity-dry-run")
        report_box = ui.column().classes("w-full")
        refresh_records: list[Any] = []

        async def uploaded(e: events.UploadEventArguments) -> None:
            content = await e.file.read()
            try:
                report = unmetered_activity.upload(
                    db, p, ent, content, filename=e.file.name, content_type=e.file.content_type,
                    dry_run=bool(dry.value),
                )  # fmt: skip
            except ServiceError as exc:
                notify_error(exc)
                _report(report_box, None, [dict(x) for x in exc.errors])
                return
            _report(report_box, report, [])
            for refresh in refresh_records:
                refresh()
            ui.notify(f"{t('act.stored')}: {report.stored} / {report.rows}", type="positive")

        ui.upload(
            label=t("act.upload"), auto_upload=True, on_upload=uploaded, max_file_size=20 * 1024 * 1024
        ).props("accept=.csv,.xlsx").classes("w-full").mark("activity-upload")
        records_box = ui.column().classes("w-full")

        def show_records() -> None:
            records_box.clear()
            try:
                rows = unmetered_activity.list_records(db, p, ent, ALL).data
            except ServiceError:
                rows = []
            with records_box:
                ui.label(t("act.records")).classes("text-lg font-medium mt-4")
                data_table(
                    [
                        Column("carrier", "act.carrier", te),
                        Column("quantity", "act.quantity"),
                        Column("unit", "act.unit"),
                        Column("period_start", "act.period"),
                        Column("ncv", "act.ncv", lambda v: "" if v is None else f"{v}"),
                        Column("document_ref", "act.document"),
                        Column("source_file", "act.source"),
                        Column("created_at", "created_at", fmt_time),
                    ],
                    rows,
                    mark="activity-table",
                )

        show_records()
        refresh_records.append(show_records)
