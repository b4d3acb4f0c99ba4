"""Park registry pages: organisations, areas, meters, the enterprise file, data sharing, the directory."""

from __future__ import annotations

from nicegui import ui

from parkcarbon.services import access
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import areas, export, grants, meters, organisations
from parkcarbon.services.registry.schemas import (
    AreaCreate,
    GrantCreate,
    MeterCreate,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
)
from parkcarbon.vocab import AreaKind, GrantScope, MeterKind, OrgKind
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import language, local_name, t, te
from parkcarbon.web.layout import frame
from parkcarbon.web.widgets import (
    Column,
    FormField,
    data_table,
    fmt_time,
    form_dialog,
    guarded,
    revoke_button_column,
    validated,
)

ALL = PageParams(limit=1000)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CARRIERS = ["electricity", "natural_gas", "steam", "heat", "hot_water", "diesel", "water", "compressed_air"]
UNITS = ["kWh", "MWh", "Nm3", "m3", "t", "GJ", "kg"]
PURPOSES = ["main", "sub", "process", "hvac", "lighting", "pv_generation", "ev_charging", "export", "other"]


def _orgs(p: Principal, park_id: int, kind: OrgKind | None = None) -> dict[int | None, str]:
    rows = organisations.list_organisations(web_session.runtime().db, p, ALL, park_id=park_id, kind=kind).data
    return {o.id: local_name(o.name, o.name_en) for o in rows}


@ui.page("/organisations")
def organisations_page() -> None:
    with frame("nav.organisations") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        rows = organisations.list_organisations(db, p, ALL, park_id=park_id).data
        can_edit = access.can_edit_registry(p, park_id)
        if can_edit:
            dialog = form_dialog(
                "create",
                [
                    FormField("name", "name"),
                    FormField("name_en", "name_en", required=False),
                    FormField(
                        "kind",
                        "kind",
                        "select",
                        {k.value: te(k.value) for k in OrgKind},
                        OrgKind.ENTERPRISE.value,
                    ),
                    FormField("industry_code", "industry", required=False),
                    FormField("credit_code", "credit_code", required=False),
                ],
                lambda v: organisations.create_organisation(
                    db, p, validated(OrganisationCreate, {**v, "park_id": park_id})
                ),
                mark="org-form",
                on_done=lambda _: ui.navigate.reload(),
            )
            ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark("org-create")
        ui.button(
            t("list.export"),
            icon="table_view",
            on_click=lambda: ui.download.content(
                export.organisations_workbook(db, p, park_id), "organisations.xlsx", XLSX
            ),
        ).props("outline").mark("org-export")
        by_id = {o.id: o for o in rows}
        table = data_table(
            [
                Column("name", "name"),
                Column("name_en", "name_en"),
                Column("kind", "kind", te),
                Column("industry_code", "industry"),
                Column("industry_name_en" if language() == "en" else "industry_name", "list.industry_name"),
                Column("credit_code", "credit_code"),
                Column("created_at", "created_at", fmt_time),
            ],
            rows,
            mark="org-table",
            search_extra=lambda o: " ".join(x for x in (o.industry_name, o.industry_name_en) if x),
        )
        table.on("rowClick", lambda e: _organisation_dialog(by_id[e.args[1]["id"]], p))


def industry_text(code: str | None, name_zh: str | None, name_en: str | None) -> str:
    """``C3130 钢压延加工`` (or the English name): the GB/T 4754-2017 name beside its code."""
    if not code:
        return ""
    name = name_en if language() == "en" else name_zh
    return f"{code} {name}" if name else code


def _organisation_dialog(o: OrganisationPublic, p: Principal) -> None:
    """An organisation's detail; its edit form where ``access.can_edit_organisation`` allows it."""
    db = web_session.runtime().db
    with ui.dialog() as dialog, ui.card().classes("w-[36rem]").mark("org-detail"):
        ui.label(o.name).classes("text-h6")
        for key, value in (
            ("name_en", o.name_en),
            ("kind", te(o.kind.value)),
            ("industry", industry_text(o.industry_code, o.industry_name, o.industry_name_en)),
            ("credit_code", o.credit_code),
            ("created_at", fmt_time(o.created_at)),
        ):
            ui.label(f"{t(key)}: {value or '—'}")
        with ui.row().classes("w-full justify-end"):
            ui.button(t("list.close"), on_click=dialog.close).props("flat")
            if access.can_edit_organisation(p, o.park_id, o.id, is_enterprise=o.kind == OrgKind.ENTERPRISE):
                edit = form_dialog(
                    "list.edit",
                    [
                        FormField("name", "name", value=o.name),
                        FormField("name_en", "name_en", value=o.name_en, required=False),
                        FormField("industry_code", "industry", value=o.industry_code, required=False),
                        FormField("credit_code", "credit_code", value=o.credit_code, required=False),
                    ],
                    lambda v: organisations.update_organisation(
                        db, p, o.id, validated(OrganisationUpdate, v)
                    ),
                    mark="org-edit",
                    on_done=lambda _: ui.navigate.reload(),
                    done_key="saved",
                )
                ui.button(t("list.edit"), icon="edit", on_click=lambda: (dialog.close(), edit.open())).props(
                    "color=primary"
                ).mark("org-edit-open")
    dialog.open()


@ui.page("/areas")
def areas_page() -> None:
    with frame("nav.areas") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        rows = areas.list_areas(db, p, ALL, park_id=park_id).data
        if access.can_edit_registry(p, park_id):
            dialog = form_dialog(
                "create",
                [
                    FormField("name", "name"),
                    FormField("name_en", "name_en", required=False),
                    FormField(
                        "kind",
                        "kind",
                        "select",
                        {k.value: te(k.value) for k in AreaKind},
                        AreaKind.ZONE.value,
                    ),
                ],
                lambda v: areas.create_area(db, p, validated(AreaCreate, {**v, "park_id": park_id})),
                mark="area-form",
                on_done=lambda _: ui.navigate.reload(),
            )
            ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark(
                "area-create"
            )
        data_table(
            [
                Column("name", "name"),
                Column("name_en", "name_en"),
                Column("kind", "kind", te),
                Column("created_at", "created_at", fmt_time),
            ],
            rows,
            mark="area-table",
        )


def meters_view(current: web_session.Session, enterprise_only: bool) -> None:
    p, db, park_id = current.principal, web_session.runtime().db, current.park_id
    if park_id is None:
        return
    enterprises = _orgs(p, park_id, OrgKind.ENTERPRISE)
    own = {
        m.organisation_id for m in p.memberships if m.org_kind == OrgKind.ENTERPRISE and m.park_id == park_id
    }
    if enterprise_only:
        enterprises = {k: v for k, v in enterprises.items() if k in own} or {
            k: v for k, v in enterprises.items() if p.is_platform_admin
        }
    area_opts = {
        a.id: local_name(a.name, a.name_en) for a in areas.list_areas(db, p, ALL, park_id=park_id).data
    }
    rows = [
        m
        for m in meters.list_meters(db, p, ALL, park_id=park_id).data
        if not enterprise_only or m.enterprise_id in own or p.is_platform_admin
    ]
    admin_of = access.administered_enterprises(p)
    park_admin = access.can_edit_registry(p, park_id)
    if park_admin or admin_of:
        ent_opts = {k: v for k, v in enterprises.items() if park_admin or k in admin_of}
        if park_admin:
            ent_opts = {0: t("park_owned"), **ent_opts}
        dialog = form_dialog(
            "create",
            [
                FormField("code", "code"),
                FormField("name", "name"),
                FormField("carrier", "carrier", "select", {c: te(c) for c in CARRIERS}, "electricity"),
                FormField("unit", "unit", "select", UNITS, "kWh"),
                FormField(
                    "kind", "meter_kind", "select", {k.value: te(k.value) for k in MeterKind}, "register"
                ),
                FormField("enterprise_id", "enterprise", "select", ent_opts, next(iter(ent_opts), None)),
                FormField("area_id", "area", "select", area_opts, None, required=False),
                FormField(
                    "purpose", "purpose", "select", {x: te(x) for x in PURPOSES}, "sub", required=False
                ),
                FormField("multiplier", "multiplier", "number", value=1.0),
            ],
            lambda v: meters.create_meter(
                db,
                p,
                validated(
                    MeterCreate, {**v, "park_id": park_id, "enterprise_id": v["enterprise_id"] or None}
                ),
            ),
            mark="meter-form",
            on_done=lambda _: ui.navigate.reload(),
        )
        ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark("meter-create")
    names: dict[int | None, str] = {None: t("park_owned"), **dict(enterprises.items())}
    scope = own if enterprise_only and not p.is_platform_admin else None
    ui.button(
        t("list.export"),
        icon="table_view",
        on_click=lambda: ui.download.content(
            export.meters_workbook(db, p, park_id, enterprise_ids=scope, language=language()),
            "meters.xlsx",
            XLSX,
        ),
    ).props("outline").mark("meter-export")
    by_id = {m.id: m for m in rows}
    table = data_table(
        [
            Column("code", "code"),
            Column("name", "name"),
            Column("carrier", "carrier", te),
            Column("unit", "unit"),
            Column("kind", "meter_kind", te),
            Column("enterprise_id", "enterprise", lambda v: names.get(v, str(v))),
            Column("area_id", "area", lambda v: area_opts.get(v, "")),
            Column("purpose", "purpose", te),
            Column("multiplier", "multiplier"),
        ],
        rows,
        mark="meter-table",
    )
    back = "enterprise_meters" if enterprise_only else "meters"
    table.on("rowClick", lambda e: ui.navigate.to(f"/meters/{by_id[e.args[1]['id']].id}?back={back}"))


@ui.page("/meters")
def park_meters_page() -> None:
    with frame("nav.meters") as current:
        if current is not None:
            meters_view(current, enterprise_only=False)


@ui.page("/enterprise/meters")
def enterprise_meters_page() -> None:
    with frame("nav.meters") as current:
        if current is not None:
            meters_view(current, enterprise_only=True)


@ui.page("/grants")
def grants_page() -> None:
    with frame("nav.grants") as current:
        if current is None or current.park_id is None:
            return
        p, db, park_id = current.principal, web_session.runtime().db, current.park_id
        orgs = _orgs(p, park_id)
        admin_of = sorted(access.administered_enterprises(p))
        if admin_of:
            dialog = form_dialog(
                "create",
                [
                    FormField(
                        "enterprise_id",
                        "enterprise",
                        "select",
                        {i: orgs.get(i, str(i)) for i in admin_of},
                        admin_of[0],
                    ),
                    FormField(
                        "grantee_organisation_id",
                        "grants.grantee",
                        "select",
                        {k: v for k, v in orgs.items() if k not in admin_of},
                    ),
                    FormField(
                        "scope",
                        "grants.scope",
                        "select",
                        {s.value: te(s.value) for s in GrantScope},
                        GrantScope.METER_DATA.value,
                    ),
                    FormField("note", "grants.note", required=False),
                ],
                lambda v: grants.create_grant(db, p, validated(GrantCreate, v)),
                mark="grant-form",
                on_done=lambda _: ui.navigate.reload(),
            )
            ui.button(t("create"), icon="add", on_click=dialog.open).props("color=primary").mark(
                "grant-create"
            )
        rows = grants.list_grants(db, p, ALL).data
        table = data_table(
            [
                Column("enterprise_id", "enterprise", lambda v: orgs.get(v, str(v))),
                Column("grantee_organisation_id", "grants.grantee", lambda v: orgs.get(v, str(v))),
                Column("scope", "grants.scope", te),
                Column("note", "grants.note"),
                Column("revoked_at", "status", lambda v: t("revoked") if v else t("active")),
                Column("created_at", "created_at", fmt_time),
            ],
            rows,
            mark="grant-table",
        )
        if admin_of:
            revoke_button_column(
                table,
                lambda key: guarded(lambda: grants.revoke_grant(db, p, key), success="saved", reload=True),
            )


@ui.page("/directory")
def directory_page() -> None:
    with frame("nav.directory") as current:
        if current is None or current.park_id is None:
            return
        p, db = current.principal, web_session.runtime().db
        rows = [
            o
            for o in organisations.list_organisations(db, p, ALL, park_id=current.park_id).data
            if o.kind in {OrgKind.SERVICE_PROVIDER, OrgKind.VERIFIER, OrgKind.FINANCIER}
        ]
        data_table(
            [Column("name", "name"), Column("kind", "kind", te), Column("name_en", "name_en")],
            rows,
            mark="directory-table",
        )
