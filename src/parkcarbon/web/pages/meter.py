"""A meter's page (计量器具详情): its registry data, readings in a chosen date range (paged table), the
consumption chart and an XLSX export; "back" returns to the list or enterprise it was opened from.

What the page shows of the readings is what :func:`parkcarbon.services.intake.readings.meter_readings`
lets the caller read (docs/access.md: an enterprise's meter data needs membership or its ``meter_data``
grant); the page asks no role itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from parkcarbon.services import access
from parkcarbon.services.clock import park_today
from parkcarbon.services.errors import ServiceError
from parkcarbon.services.intake.readings import meter_readings
from parkcarbon.services.metering.consumption import meter_consumption
from parkcarbon.services.pagination import PageParams
from parkcarbon.services.principal import Principal
from parkcarbon.services.registry import areas, export, meters, parks
from parkcarbon.services.registry.schemas import MeterPublic, MeterUpdate
from parkcarbon.web import session as web_session
from parkcarbon.web.i18n import t, te
from parkcarbon.web.layout import frame, notify_error
from parkcarbon.web.pages.registry import PURPOSES
from parkcarbon.web.widgets import FormField, form_dialog, validated

#: where "back" may lead (a fixed set: the query string never becomes a URL of its own)
BACK_TARGETS = ("cockpit", "meters", "enterprise_meters")
MAX_DAYS = 92


def _back_url(back: str | None, enterprise_id: int | None) -> str:
    if back == "cockpit" and enterprise_id is not None:
        return f"/cockpit/enterprise/{enterprise_id}"
    if back == "enterprise_meters":
        return "/enterprise/meters"
    if back == "meters":
        return "/meters"
    return f"/cockpit/enterprise/{enterprise_id}" if enterprise_id is not None else "/meters"


def _edit_button(info: MeterPublic, p: Principal) -> None:
    """The meter's registry fields, editable where ``access.can_manage_enterprise`` allows it."""
    db = web_session.runtime().db
    area_opts = {
        a.id: a.name for a in areas.list_areas(db, p, PageParams(limit=1000), park_id=info.park_id).data
    }
    edit = form_dialog(
        "list.edit",
        [
            FormField("name", "name", value=info.name),
            FormField("area_id", "area", "select", area_opts, info.area_id, required=False),
            FormField(
                "purpose", "purpose", "select", {x: te(x) for x in PURPOSES}, info.purpose, required=False
            ),
            FormField("multiplier", "multiplier", "number", value=info.multiplier),
            FormField("active", "active", "switch", value=info.active, required=False),
        ],
        lambda v: meters.update_meter(db, p, info.id, validated(MeterUpdate, v)),
        mark="meter-edit",
        on_done=lambda _: ui.navigate.reload(),
        done_key="saved",
    )
    ui.button(t("list.edit"), icon="edit", on_click=edit.open).props("outline").mark("meter-edit-open")


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@ui.page("/meters/{meter_id}")
def meter_page(
    meter_id: int, start: str | None = None, end: str | None = None, back: str | None = None
) -> None:
    with frame("nav.meters") as current:
        if current is None:
            return
        p, db = current.principal, web_session.runtime().db
        try:
            info = meters.get_meter(db, p, meter_id)
            park = parks.get_park(db, p, info.park_id)
        except ServiceError as exc:
            notify_error(exc)
            return
        back_to = _back_url(back if back in BACK_TARGETS else None, info.enterprise_id)
        ui.button(t("meter.back"), icon="arrow_back", on_click=lambda: ui.navigate.to(back_to)).props(
            "flat"
        ).mark("meter-back")
        ui.label(
            f"{info.code} · {info.name} · {te(info.carrier)} [{info.unit}] · {te(info.kind.value)}"
        ).classes("text-h6").mark("meter-title")
        if access.can_manage_enterprise(p, info.park_id, info.enterprise_id):
            _edit_button(info, p)
        tz = ZoneInfo(park.timezone)
        today = park_today(park.timezone)
        first, last = _parse(start) or today - timedelta(days=6), _parse(end) or today
        ok = first <= last and (last - first).days < MAX_DAYS
        with ui.row().classes("items-end q-gutter-md"):
            start_in = ui.input(t("meter.start"), value=first.isoformat()).props("type=date dense outlined")
            end_in = ui.input(t("meter.end"), value=last.isoformat()).props("type=date dense outlined")
            start_in.mark("meter-start")
            end_in.mark("meter-end")

            def apply() -> None:
                ui.navigate.to(
                    f"/meters/{meter_id}?start={start_in.value}&end={end_in.value}&back={back or ''}"
                )

            ui.button(t("meter.apply"), icon="search", on_click=apply).props("color=primary").mark(
                "meter-apply"
            )
        if not ok:
            ui.label(t("meter.bad_range")).classes("text-negative").mark("meter-bad-range")
            return
        a = datetime.combine(first, time(), tz)
        b = datetime.combine(last + timedelta(days=1), time(), tz)
        try:
            series = meter_readings(db, p, meter_id, start=a, end=b)
            hourly = (last - first).days < 3
            buckets = meter_consumption(db, p, meter_id, grain="hour" if hourly else "day", start=a, end=b)
        except ServiceError as exc:
            notify_error(exc)
            ui.label(t("meter.no_rights")).classes("text-grey-7").mark("meter-no-rights")
            return

        def download() -> None:
            try:
                content = export.meter_readings_workbook(
                    db, p, meter_id, start=a, end=b, timezone=park.timezone
                )
            except ServiceError as exc:
                notify_error(exc)
                return
            ui.download.content(
                content,
                f"{info.code}-{first.isoformat()}-{last.isoformat()}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )

        ui.button(t("meter.export"), icon="table_view", on_click=download).props("outline").mark(
            "meter-export"
        )
        with ui.card().classes("pc-card w-full"):
            ui.label(t("meter.chart_hourly") if hourly else t("meter.chart")).classes(
                "text-subtitle1 text-weight-medium"
            )
            fmt = "%m-%d %H:%M" if hourly else "%Y-%m-%d"
            ui.echart(
                {
                    "color": ["#13795b"],
                    "tooltip": {"trigger": "axis"},
                    "grid": {"left": 70, "right": 20, "top": 30, "bottom": 50, "containLabel": True},
                    "xAxis": {
                        "type": "category",
                        "data": [pt.bucket.astimezone(tz).strftime(fmt) for pt in buckets.data],
                    },
                    "yAxis": {"type": "value", "name": buckets.unit},
                    "series": [
                        {
                            "name": t("meter.consumption"),
                            "type": "bar",
                            "data": [round(pt.consumption, 3) for pt in buckets.data],
                        }
                    ],
                }
            ).classes("w-full h-64").mark("meter-chart")
        with ui.card().classes("pc-card w-full"):
            ui.label(t("meter.readings")).classes("text-subtitle1 text-weight-medium")
            ui.label(t("meter.count").format(n=series.count)).classes("text-grey-7").mark("meter-count")
            if series.truncated:
                ui.label(t("meter.truncated").format(n=series.count)).classes("text-warning")
            columns: list[dict[str, Any]] = [
                {"name": "ts", "label": t("meter.time"), "field": "ts", "align": "left", "sortable": True},
                {"name": "value", "label": f"{t('meter.value')} [{series.unit}]", "field": "value"},
                {"name": "delta", "label": f"{t('meter.delta')} [{series.unit}]", "field": "delta"},
                {"name": "flags", "label": t("meter.flags"), "field": "flags", "align": "left"},
            ]
            rows = [
                {
                    "id": i,
                    "ts": pt.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    "value": f"{pt.value:,.3f}",
                    "delta": "—" if pt.delta is None else f"{pt.delta:,.3f}",
                    "flags": ", ".join(te(f) for f in pt.flags),
                }
                for i, pt in enumerate(series.data)
            ]
            with ui.element("div").classes("w-full overflow-auto"):
                ui.table(columns=columns, rows=rows, row_key="id", pagination=50).props("dense flat").classes(
                    "w-full"
                ).mark("meter-readings")
