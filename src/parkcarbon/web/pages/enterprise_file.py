"""One enterprise, one file (一企一档): profile, boundary, facilities, sources, products, documents."""

from __future__ import annotations

import base64
from typing import Any

from nicegui import events, ui
from pydantic import ValidationError

from parkcarbon.services.enterprise import documents, profile
from parkcarbon.services.enterprise.schemas import (
    Boundary,
    DocumentUpload,
    EnterpriseFile,
    FacilityCreate,
    ProductCreate,
    ProfileUpdate,
    SourceCreate,
)
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import meters
from parkcarbon.vocab import OrgKind
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import validation_text
from parkcarbon.web.i18n import language, local_name, register_texts, t, te
from parkcarbon.web.layout import frame, notify_error
from parkcarbon.web.widgets import Column, FormField, data_table, fmt_time, form_dialog

register_texts(
    {
        "ent.profile": ("基本信息", "Profile"),
        "ent.edit_profile": ("编辑档案", "Edit profile"),
        "ent.province": ("所在省份", "Province"),
        "ent.address": ("地址", "Address"),
        "ent.legal_representative": ("法定代表人", "Legal representative"),
        "ent.contacts": ("联系人", "Contacts"),
        "ent.boundary": ("核算边界", "Organisational boundary"),
        "ent.boundary_description": ("边界说明", "Boundary description"),
        "ent.facilities": ("设施", "Facilities"),
        "ent.sources": ("排放源", "Emission sources"),
        "ent.products": ("产品", "Products"),
        "ent.documents": ("凭证资料", "Documents"),
        "ent.category": ("排放类别", "Category"),
        "ent.data_source": ("数据来源", "Data source"),
        "ent.meters": ("关联计量器具", "Linked meters"),
        "ent.frequency": ("监测频次", "Frequency"),
        "ent.method": ("监测方法", "Monitoring method"),
        "ent.upload": (
            "上传凭证（PDF、图片、CSV、Office，≤10 MB）",
            "Upload evidence (PDF, images, CSV, Office, ≤10 MB)",
        ),
        "ent.uploaded": ("已上传", "Uploaded"),
        "ent.size": ("大小（字节）", "Size (bytes)"),
        "ent.doc_kind": ("类型", "Kind"),
        "ent.product_code": ("产品代码", "Product code"),
        "ent.sha256": ("SHA-256 摘要", "SHA-256"),
        "ent.no_enterprise": ("您不属于任何企业", "You are not a member of an enterprise"),
        "ent.approach.operational_control": ("运营控制权法", "Operational control"),
        "ent.approach.financial_control": ("财务控制权法", "Financial control"),
        "ent.approach.equity_share": ("股权比例法", "Equity share"),
        "ent.cat.fuel_combustion": ("化石燃料燃烧", "Fuel combustion"),
        "ent.cat.purchased_electricity": ("净购入电力", "Purchased electricity"),
        "ent.cat.purchased_heat": ("净购入热力", "Purchased heat"),
        "ent.cat.process": ("工业生产过程", "Industrial process"),
        "ent.cat.fugitive": ("逃逸排放", "Fugitive"),
        "ent.cat.other": ("其他", "Other"),
        "ent.ds.meters": ("计量器具", "Meters"),
        "ent.ds.uploads": ("上传活动数据", "Uploaded activity data"),
        "ent.ds.manual": ("人工填报", "Manual entry"),
    }
)

ALL = PageParams(limit=1000)
CARRIERS = [
    "electricity",
    "natural_gas",
    "steam",
    "heat",
    "hot_water",
    "diesel",
    "gasoline",
    "raw_coal",
    "lpg",
]


def own_enterprises(p: Principal) -> list[int]:
    """Enterprises the user belongs to (the enterprise end shows these)."""
    return sorted({m.organisation_id for m in p.memberships if m.org_kind == OrgKind.ENTERPRISE})


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model(**values)
    except ValidationError as exc:
        raise ValueError(exc) from exc


def _profile_card(f: EnterpriseFile, p: Principal) -> None:
    db = web_session.runtime().db
    with ui.card().classes("pc-card w-full").mark("enterprise-card"):
        with ui.row().classes("w-full items-center justify-between"):
            with ui.column().classes("gap-0"):
                ui.label(f.name).classes("text-h6")
                ui.label(f.name_en or "").classes("text-grey-7")
            dialog = form_dialog(
                "ent.edit_profile",
                [
                    FormField("credit_code", "credit_code", value=f.credit_code, required=False),
                    FormField("industry_code", "industry", value=f.industry_code, required=False),
                    FormField("address", "ent.address", value=f.address, required=False),
                    FormField(
                        "legal_representative",
                        "ent.legal_representative",
                        value=f.legal_representative,
                        required=False,
                    ),
                    FormField(
                        "approach",
                        "ent.boundary",
                        "select",
                        {
                            k: t(f"ent.approach.{k}")
                            for k in ("operational_control", "financial_control", "equity_share")
                        },
                        f.boundary.approach if f.boundary else "operational_control",
                    ),
                    FormField(
                        "description",
                        "ent.boundary_description",
                        value=f.boundary.description if f.boundary else None,
                        required=False,
                    ),
                ],
                lambda v: profile.update_file(
                    db,
                    p,
                    f.enterprise_id,
                    _validated(
                        ProfileUpdate,
                        {
                            **{
                                k: v[k]
                                for k in ("credit_code", "industry_code", "address", "legal_representative")
                                if v[k] is not None
                            },
                            "boundary": Boundary(
                                approach=v["approach"],
                                description=v["description"],
                                sites=f.boundary.sites if f.boundary else [],
                            ),
                        },
                    ),
                ),
                mark="profile-form",
                on_done=lambda _: ui.navigate.reload(),
            )
            ui.button(t("ent.edit_profile"), icon="edit", on_click=dialog.open).props("flat").mark(
                "profile-edit"
            )
        with ui.grid(columns=4).classes("q-mt-sm w-full"):
            for key, value in (
                ("credit_code", f.credit_code),
                ("industry", f"{f.industry_code or ''} {local_name(f.industry or '', f.industry_en)}".strip()),  # noqa: E501
                ("ent.province", _province(f.province)),
                ("ent.address", f.address),
                ("ent.legal_representative", f.legal_representative),
                ("ent.contacts", "；".join(f"{c.name} {c.phone or ''}".strip() for c in f.contacts)),
                ("ent.boundary", t(f"ent.approach.{f.boundary.approach}") if f.boundary else None),
                ("ent.boundary_description", f.boundary.description if f.boundary else None),
            ):
                ui.label(t(key)).classes("text-grey-7")
                ui.label(value or t("none"))


def _sources_tab(f: EnterpriseFile, p: Principal) -> None:
    db = web_session.runtime().db
    rows = profile.list_sources(db, p, f.enterprise_id)
    own_meters = {
        m.id: f"{m.code} {m.name}" for m in meters.list_meters(db, p, ALL, enterprise_id=f.enterprise_id).data
    }
    dialog = form_dialog(
        "create",
        [
            FormField("name", "name"),
            FormField("carrier", "carrier", "select", {c: te(c) for c in CARRIERS}, "electricity"),
            FormField("unit", "unit", "select", ["kWh", "MWh", "Nm3", "t", "GJ"], "kWh"),
            FormField(
                "data_source",
                "ent.data_source",
                "select",
                {k: t(f"ent.ds.{k}") for k in ("meters", "uploads", "manual")},
                "meters",
            ),
            FormField("meter_id", "ent.meters", "select", own_meters, None, required=False),
            FormField("monitoring_method", "ent.method", required=False),
        ],
        lambda v: profile.create_source(
            db,
            p,
            f.enterprise_id,
            _validated(
                SourceCreate,
                {
                    "name": v["name"],
                    "carrier": v["carrier"],
                    "unit": v["unit"],
                    "data_source": v["data_source"],
                    "meter_ids": [v["meter_id"]] if v["meter_id"] else [],
                    "monitoring_method": v["monitoring_method"],
                },
            ),
        ),
        mark="source-form",
        on_done=lambda _: ui.navigate.reload(),
    )
    ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark("source-create")
    data_table(
        [
            Column("name", "name"),
            Column("category", "ent.category", lambda v: t(f"ent.cat.{v}")),
            Column("carrier", "carrier", te),
            Column("unit", "unit"),
            Column("data_source", "ent.data_source", lambda v: t(f"ent.ds.{v}")),
            Column("meter_ids", "ent.meters", lambda ids: ", ".join(own_meters.get(i, str(i)) for i in ids)),
            Column("monitoring_method", "ent.method"),
        ],
        rows,
        mark="source-table",
    )


def _documents_tab(f: EnterpriseFile, p: Principal) -> None:
    db = web_session.runtime().db

    async def uploaded(e: events.UploadEventArguments) -> None:
        content = await e.file.read()
        try:
            documents.upload_document(
                db,
                p,
                f.enterprise_id,
                DocumentUpload(
                    filename=e.file.name,
                    content_base64=base64.b64encode(content).decode() or "-",
                    content_type=e.file.content_type or None,
                ),
            )
        except ServiceError as exc:
            notify_error(exc)
            return
        except ValidationError as exc:
            ui.notify(validation_text(exc.errors()), type="negative")
            return
        ui.notify(t("ent.uploaded"), type="positive")
        ui.navigate.reload()

    ui.upload(
        label=t("ent.upload"), auto_upload=True, on_upload=uploaded, max_file_size=10 * 1024 * 1024
    ).props("accept=.pdf,.png,.jpg,.jpeg,.csv,.txt,.xlsx,.xls,.docx,.doc,.zip").classes("w-96").mark(
        "document-upload"
    )
    try:
        rows = documents.list_documents(db, p, f.enterprise_id, ALL).data
    except ServiceError:
        rows = []
    data_table(
        [
            Column("filename", "name"),
            Column("kind", "ent.doc_kind"),
            Column("size_bytes", "ent.size"),
            Column("sha256", "ent.sha256"),
            Column("uploaded_by", "audit.actor"),
            Column("created_at", "created_at", fmt_time),
        ],
        rows,
        mark="document-table",
    )


@ui.page("/enterprise")
def enterprise_file_page() -> None:
    with frame("nav.my_enterprise") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        own = own_enterprises(p)
        if not own:
            ui.label(t("ent.no_enterprise"))
            return
        for org_id in own:
            try:
                f = profile.get_file(db, p, org_id)
            except ServiceError as exc:
                notify_error(exc)
                continue
            _profile_card(f, p)
            with ui.tabs().classes("w-full") as tabs:
                tab_sources = ui.tab(t("ent.sources")).mark("tab-sources")
                tab_facilities = ui.tab(t("ent.facilities")).mark("tab-facilities")
                tab_products = ui.tab(t("ent.products")).mark("tab-products")
                tab_documents = ui.tab(t("ent.documents")).mark("tab-documents")
            with ui.tab_panels(tabs, value=tab_sources).classes("w-full"):
                with ui.tab_panel(tab_sources):
                    _sources_tab(f, p)
                with ui.tab_panel(tab_facilities):
                    _simple_tab(f, p, "facility")
                with ui.tab_panel(tab_products):
                    _simple_tab(f, p, "product")
                with ui.tab_panel(tab_documents):
                    _documents_tab(f, p)


def _simple_tab(f: EnterpriseFile, p: Principal, what: str) -> None:
    db = web_session.runtime().db
    if what == "facility":
        rows: list[Any] = profile.list_facilities(db, p, f.enterprise_id)
        fields = [FormField("name", "name")]
        create = lambda v: profile.create_facility(db, p, f.enterprise_id, _validated(FacilityCreate, v))  # noqa: E731
        columns = [
            Column("name", "name"),
            Column("kind", "kind"),
            Column("created_at", "created_at", fmt_time),
        ]
    else:
        rows = profile.list_products(db, p, f.enterprise_id)
        fields = [
            FormField("name", "name"),
            FormField("unit", "unit", value="t"),
            FormField("product_code", "ent.product_code", required=False),
        ]
        create = lambda v: profile.create_product(  # type: ignore[assignment,return-value]  # noqa: E731
            db, p, f.enterprise_id, _validated(ProductCreate, v)
        )
        columns = [Column("name", "name"), Column("unit", "unit"), Column("product_code", "ent.product_code")]
    dialog = form_dialog(
        "create", fields, create, mark=f"{what}-form", on_done=lambda _: ui.navigate.reload()
    )
    ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark(f"{what}-create")
    data_table(columns, rows, mark=f"{what}-table")


def _province(code: str | None) -> str | None:
    """An ISO 3166-2:CN code (CN-JS) as the province's name in the user's language."""
    from parkcarbon.services.registry.schemas import PROVINCES

    if code is None or code not in PROVINCES:
        return code
    zh, en = PROVINCES[code]
    return en if language() == "en" else zh
