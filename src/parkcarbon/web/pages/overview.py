"""Park overview: the landing page for every role."""

from __future__ import annotations

from nicegui import ui

from parkcarbon.services.errors import ServiceError
from parkcarbon.services.registry import parks
from parkcarbon.services.registry.schemas import PROVINCES
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import language, t, te
from parkcarbon.web.layout import frame
from parkcarbon.web.widgets import kpi_card


@ui.page("/")
def overview_page() -> None:
    with frame("nav.overview") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        ui.label(
            f"{t('overview.welcome')}，{p.label}"
            if language() == "zh-CN"
            else f"{t('overview.welcome')}, {p.label}"
        )
        ui.label(f"{t('overview.your_roles')}: " + "、".join(te(r) for r in sorted(p.roles))).classes(
            "text-grey-7"
        ).mark("my-roles")
        if current.park_id is None:
            ui.label(t("no_park"))
            return
        try:
            park = parks.get_park(db, p, current.park_id)
        except ServiceError:
            return
        counts = parks.overview_counts(db, p, park.id)
        province = PROVINCES.get(park.province, (park.province, park.province))
        with ui.card().classes("pc-card w-full"):
            ui.label(park.name if language() == "zh-CN" else (park.name_en or park.name)).classes(
                "text-h6"
            ).mark("park-name")
            ui.label(
                f"{t('overview.province')}: {province[0] if language() == 'zh-CN' else province[1]}"
                f" · {t('overview.timezone')}: {park.timezone}"
            ).classes("text-grey-7")
        with ui.row().classes("q-gutter-md"):
            kpi_card(t("overview.enterprises"), str(counts.enterprises), "factory", mark="kpi-enterprises")
            kpi_card(t("overview.meters"), str(counts.meters), "speed", mark="kpi-meters")
            kpi_card(t("overview.areas"), str(counts.areas), "map", mark="kpi-areas")
            kpi_card(
                t("overview.providers"), str(counts.service_organisations), "storefront", mark="kpi-providers"
            )
            kpi_card(
                t("overview.meters_with_data"), str(counts.meters_with_data), "sensors", mark="kpi-meter-data"
            )
